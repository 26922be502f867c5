package storage

import "errors"

// Sentinel errors callers branch on (wrap-aware: use errors.Is).
var (
	// ErrNotFound: the resource (or the version) never existed.
	ErrNotFound = errors.New("storage: not found")
	// ErrGone: the resource's current version is a tombstone (HTTP 410).
	ErrGone = errors.New("storage: resource deleted")
	// ErrVersionConflict: an If-Match precondition did not hold (HTTP 412).
	ErrVersionConflict = errors.New("storage: version conflict")
	// ErrExists: Put.Create was set but a version of the resource already exists.
	ErrExists = errors.New("storage: resource already exists")
	// ErrInvalidKey: a resource type, id or parameter code the layout cannot hold
	// (empty, too long, or containing a NUL byte).
	ErrInvalidKey = errors.New("storage: invalid type, id or parameter code")
	// ErrBadCursor: a paging or change-feed cursor that this store did not issue.
	ErrBadCursor = errors.New("storage: invalid cursor")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("storage: store closed")
	// ErrFailed: an earlier WAL sync failed, so durability can no longer be
	// promised; the process should restart (Pebble recovers from the WAL).
	ErrFailed = errors.New("storage: store failed, restart required")
	// ErrDiskFull: the store's volume is full; writes are refused until free
	// space returns, then resume by themselves (reads go on meanwhile).
	ErrDiskFull = errors.New("storage: disk full, writes refused until space is freed")
)
