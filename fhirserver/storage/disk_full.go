package storage

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/go-logr/logr"
)

// This file is what the store does when its volume fills up (docs/storage.md,
// "A full disk").
//
// Pebble cannot take a failed WAL write back: its WAL writer keeps the first
// error and fails every later sync, and a WAL rotation that fails panics, so
// once an ENOSPC reaches Pebble the store needs a restart. Pebble's
// vfs.OnDiskFull lets us stop that error before it reaches Pebble: the file
// system calls back on the first ENOSPC, holds every other write while the
// callback runs, and then retries the failed operation once from where it
// stopped (a partly written WAL block is continued, not rewritten). The
// callback waits until free space returns, so the WAL write that hit the
// full disk simply completes later, nothing is lost or written twice, and
// the store carries on without a restart.
//
// While the callback waits, new writes are refused at once with ErrDiskFull
// (the server answers 503 and reports not ready); the commits already
// handed to Pebble wait for the retry.

// diskPollInterval is how often a full disk is checked for free space.
const diskPollInterval = time.Second

// diskWatch turns ENOSPC into a wait for free space. It exists before the
// Store (the file system needs it at pebble.Open), so it holds its own copy
// of what it needs.
type diskWatch struct {
	fs  vfs.FS // the unwrapped file system, for GetDiskUsage
	dir string
	log logr.Logger
	// resumeBytes is the free space the volume needs before writes resume:
	// room for a memtable flush and the next pre-allocated WAL. On a small
	// volume that may never be free, so an eighth of the volume is enough
	// there (resumeAt).
	resumeBytes uint64
	poll        time.Duration

	// There is no "not during Open": Pebble retries a failed flush of the
	// replayed WAL at once, forever, so an ENOSPC let through at start spins
	// a core and floods the log. A start on a full disk waits like a write.
	full   atomic.Bool
	events atomic.Uint64 // times the disk was found full

	closeOnce sync.Once
	closed    chan struct{}
}

func newDiskWatch(fs vfs.FS, dir string, log logr.Logger, resumeBytes uint64, poll time.Duration) *diskWatch {
	return &diskWatch{fs: fs, dir: dir, log: log, resumeBytes: resumeBytes, poll: poll, closed: make(chan struct{})}
}

// onDiskFull is the vfs.OnDiskFull callback. It runs at most once at a
// time; every other file system write waits for it to return.
func (d *diskWatch) onDiskFull() {
	d.full.Store(true)
	d.events.Add(1)
	free, total := d.usage()
	need := resumeAt(d.resumeBytes, total)
	// The one ERROR line of the incident; the recovery is logged at INFO.
	d.log.Error(ErrDiskFull, "disk full: refusing writes until free space returns; nothing acknowledged is lost",
		"dir", d.dir, "freeBytes", free, "resumeAtFreeBytes", need)
	start := time.Now()
	t := time.NewTicker(d.poll)
	defer t.Stop()
	for free < need {
		select {
		case <-t.C:
			free, total = d.usage()
			need = resumeAt(d.resumeBytes, total)
		case <-d.closed:
			// Close gave up on the store (the process is stopping): keep
			// Pebble's writes held, so no error reaches it; the WAL replay
			// of the next start has every acknowledged commit.
			select {}
		}
	}
	d.full.Store(false)
	d.log.Info("disk space available again: writes resumed", "dir", d.dir, "freeBytes", free,
		"fullFor", time.Since(start).Round(time.Millisecond).String())
}

// usage is the free and the total space of the store's volume; 0 free
// when it cannot be read (so the wait goes on).
func (d *diskWatch) usage() (free, total uint64) {
	u, err := d.fs.GetDiskUsage(d.dir)
	if err != nil {
		return 0, 0
	}
	return u.AvailBytes, u.TotalBytes
}

// resumeAt is the free space writes wait for: want, or an eighth of a
// volume too small to ever have want free. Should the retried write still
// not fit, its error reaches Pebble: a flush waits again, a WAL write fails
// the store (ErrFailed) and the process restarts.
func resumeAt(want, total uint64) uint64 {
	if total > 0 && total/8 < want {
		return total / 8
	}
	return want
}

// close ends a wait for space for good (see onDiskFull).
func (d *diskWatch) close() { d.closeOnce.Do(func() { close(d.closed) }) }
