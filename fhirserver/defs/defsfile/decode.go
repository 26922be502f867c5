package defsfile

import (
	"encoding/json"
	"fmt"
)

// Decode reads a file written by Encode and checks that it is one.
func Decode(data []byte) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode definitions: %w", err)
	}
	if f.Generated != GeneratedMarker {
		return nil, fmt.Errorf("decode definitions: missing generated marker (got %q)", f.Generated)
	}
	return &f, nil
}
