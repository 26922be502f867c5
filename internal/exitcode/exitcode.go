package exitcode

import (
	"errors"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

const (
	// Usage is the exit code for bad flags or a configuration that cannot run.
	Usage = 2
	// StoreFailed is the exit code when the store was not closed cleanly
	// and a new process must reopen it (a failed WAL fsync, SIGTERM while
	// the disk is full or before the start finished, a Pebble fatal
	// error): the WAL replay recovers every acknowledged write
	// (docs/storage.md). 70 is EX_SOFTWARE of sysexits.h.
	StoreFailed = 70
)

// For is the exit code for an error that stopped a process: StoreFailed
// when the store failed, 1 for anything else.
func For(err error) int {
	if errors.Is(err, storage.ErrFailed) || errors.Is(err, storage.ErrDiskFull) {
		return StoreFailed
	}
	return 1
}
