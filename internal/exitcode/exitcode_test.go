package exitcode

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestExitCode: a store that cannot go on exits 70 (docs/storage.md), so
// the orchestrator restarts the process and the WAL replay recovers it;
// anything else that stops the server exits 1.
func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("close store: %w", storage.ErrDiskFull), 70},
		{fmt.Errorf("open store: %w: no space left on device", storage.ErrDiskFull), 70},
		{fmt.Errorf("%w: sync WAL: input/output error", storage.ErrFailed), 70},
		{errors.Join(storage.ErrFailed, errors.New("close store: flush")), 70},
		{errors.New("listen on :8080: address already in use"), 1},
		{storage.ErrWrongFHIRVersion, 1},
	} {
		if got := For(tt.err); got != tt.want {
			t.Errorf("For(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
