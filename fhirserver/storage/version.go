package storage

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// ErrWrongFHIRVersion: the store holds resources of another FHIR version
// than the one it is opened for. Serving them would present, say, STU3
// content as R4, so the server refuses to start.
var ErrWrongFHIRVersion = errors.New("storage: store holds another FHIR version")

// FHIRVersion is the FHIR version recorded in the store's meta area ("" on
// a store that never claimed one).
func (s *Store) FHIRVersion() (string, error) {
	var v []byte
	err := s.read(func() error {
		var err error
		v, err = s.getMeta(metaFHIRVersion)
		return err
	})
	return string(v), err
}

// ClaimFHIRVersion records name as the store's FHIR version on first use
// and afterwards refuses any other name with ErrWrongFHIRVersion: one
// store, one FHIR version. Call it on start, before serving.
func (s *Store) ClaimFHIRVersion(name string) error {
	if name == "" {
		return fmt.Errorf("claim FHIR version: empty name")
	}
	return s.read(func() error {
		have, err := s.getMeta(metaFHIRVersion)
		if err != nil {
			return err
		}
		if have != nil {
			if string(have) != name {
				return fmt.Errorf("%w: the store holds %s data, not %s", ErrWrongFHIRVersion, have, name)
			}
			return nil
		}
		if err := s.db.Set(keyMeta(metaFHIRVersion), []byte(name), pebble.Sync); err != nil {
			return fmt.Errorf("record FHIR version %s: %w", name, err)
		}
		return nil
	})
}
