package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/go-logr/logr/funcr"
)

// fullFS is the OS file system with a switch that makes it full: while on,
// every file write fails with ENOSPC (after writing nothing) and the free
// space is 0. The end-to-end test fills a real tmpfs instead.
type fullFS struct {
	vfs.FS
	full atomic.Bool
}

type fullFile struct {
	vfs.File
	fs *fullFS
}

func (fs *fullFS) wrap(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return nil, err
	}
	return fullFile{File: f, fs: fs}, nil
}

func (fs *fullFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return fs.wrap(fs.FS.Create(name, c))
}

func (fs *fullFS) ReuseForWrite(old, name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return fs.wrap(fs.FS.ReuseForWrite(old, name, c))
}

func (fs *fullFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, o ...vfs.OpenOption) (vfs.File, error) {
	return fs.wrap(fs.FS.OpenReadWrite(name, c, o...))
}

func (fs *fullFS) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	if fs.full.Load() {
		return vfs.DiskUsage{TotalBytes: 1 << 30}, nil
	}
	return vfs.DiskUsage{AvailBytes: 1 << 30, TotalBytes: 1 << 30}, nil
}

func (f fullFile) Write(p []byte) (int, error) {
	if f.fs.full.Load() {
		return 0, &os.PathError{Op: "write", Path: "wal", Err: syscall.ENOSPC}
	}
	return f.File.Write(p)
}

func (f fullFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.full.Load() {
		return 0, &os.PathError{Op: "write", Path: "sst", Err: syscall.ENOSPC}
	}
	return f.File.WriteAt(p, off)
}

// logLines collects the log lines written at ERROR level.
type logLines struct {
	mu     sync.Mutex
	errors []string
}

func (l *logLines) errorCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.errors)
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func putID(s *Store, id string) error {
	_, err := s.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Put(Put{Type: "Patient", ID: id, Stamp: stampJSON})
		return err
	})
	return err
}

// openFull opens a store over a fullFS whose ERROR log lines are collected.
func openFull(t *testing.T, dir string) (*Store, *fullFS, *logLines) {
	t.Helper()
	fs := &fullFS{FS: vfs.Default}
	lines := &logLines{}
	log := funcr.NewJSON(func(obj string) {
		if strings.Contains(obj, `"error"`) {
			lines.mu.Lock()
			lines.errors = append(lines.errors, obj)
			lines.mu.Unlock()
		}
	}, funcr.Options{})
	s, err := Open(dir, Options{Logger: log, fs: fs, diskPoll: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s, fs, lines
}

// TestFullDiskHoldsWritesAndResumes: when the volume fills, the commit that
// hit it waits, new writes get ErrDiskFull at once, one ERROR line says so;
// when space returns the held commit completes and writes go on, without a
// restart and without losing anything.
func TestFullDiskHoldsWritesAndResumes(t *testing.T) {
	dir := t.TempDir()
	s, fs, lines := openFull(t, dir)
	for i := range 5 {
		if err := putID(s, fmt.Sprint("before-", i)); err != nil {
			t.Fatal(err)
		}
	}

	size := s.Metrics().DiskUsageBytes
	fs.full.Store(true)
	held := make(chan error, 1)
	go func() { held <- putID(s, "held") }()
	waitFor(t, "the store to notice the full disk", func() bool { return errors.Is(s.Writable(), ErrDiskFull) })
	for i := range 3 {
		if err := putID(s, fmt.Sprint("refused-", i)); !errors.Is(err, ErrDiskFull) {
			t.Fatalf("write while the disk is full: %v, want ErrDiskFull", err)
		}
	}
	if m := s.Metrics(); m.Writable || m.DiskFullEvents != 1 || m.DiskUsageBytes != size || size == 0 {
		t.Fatalf("metrics while full: %+v, want the size of before (%d)", m, size)
	}
	if rec, err := s.Get(context.Background(), "Patient", "before-4"); err != nil || rec.VersionID != 1 {
		t.Fatalf("reads go on while the disk is full: %+v %v", rec, err)
	}
	if n := lines.errorCount(); n != 1 {
		t.Fatalf("%d ERROR lines for one full disk, want 1: %v", n, lines.errors)
	}

	fs.full.Store(false)
	if err := <-held; err != nil {
		t.Fatalf("the held commit after space returned: %v", err)
	}
	if err := s.Writable(); err != nil {
		t.Fatalf("still not writable after space returned: %v", err)
	}
	if err := putID(s, "after"); err != nil {
		t.Fatalf("write after space returned: %v", err)
	}
	if m := s.Metrics(); !m.Writable || m.DiskFullEvents != 1 {
		t.Fatalf("metrics after recovery: %+v", m)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close after recovery: %v", err)
	}

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"before-0", "before-4", "held", "after"} {
		if _, err := s.Get(context.Background(), "Patient", id); err != nil {
			t.Errorf("%s after reopening: %v", id, err)
		}
	}
	if _, err := s.Get(context.Background(), "Patient", "refused-0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused write exists: %v", err)
	}
}

// TestCloseDuringFullDisk: stopping while the disk is full does not wait for
// the held commit or hand Pebble an error; it reports ErrDiskFull, and the
// files on disk (as a restart finds them) hold every acknowledged write.
func TestCloseDuringFullDisk(t *testing.T) {
	dir := t.TempDir()
	s, fs, _ := openFull(t, dir)
	for i := range 5 {
		if err := putID(s, fmt.Sprint("acked-", i)); err != nil {
			t.Fatal(err)
		}
	}
	fs.full.Store(true)
	go func() { _ = putID(s, "held") }()
	waitFor(t, "the store to notice the full disk", func() bool { return errors.Is(s.Writable(), ErrDiskFull) })
	if err := s.Close(); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("Close during a full disk: %v, want ErrDiskFull", err)
	}
	if err := s.Close(); !errors.Is(err, ErrDiskFull) && !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}

	// The held Pebble still has the files open and locked; a restart sees
	// them as they are on disk, which a copy shows too.
	restarted := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(restarted, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Open(restarted, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	for i := range 5 {
		if _, err := again.Get(context.Background(), "Patient", fmt.Sprint("acked-", i)); err != nil {
			t.Errorf("acked-%d after restart: %v", i, err)
		}
	}
}

func TestResumeAt(t *testing.T) {
	for _, tt := range []struct{ want, total, got uint64 }{
		{48 << 20, 10 << 30, 48 << 20}, // a 10 GiB volume: the full margin
		{48 << 20, 96 << 20, 12 << 20}, // a 96 MiB volume: an eighth
		{48 << 20, 0, 48 << 20},        // total unknown
	} {
		if got := resumeAt(tt.want, tt.total); got != tt.got {
			t.Errorf("resumeAt(%d, %d) = %d, want %d", tt.want, tt.total, got, tt.got)
		}
	}
}
