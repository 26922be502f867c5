package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// expecting holds n writes on their way to s (Expecting) until release is
// called, and returns once s counts them.
func expecting(t *testing.T, s *Store, n int) (release func()) {
	t.Helper()
	want := s.coming.Load() + int64(n)
	ch := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Expecting(func() error { <-ch; return nil })
		}()
	}
	waitFor(t, fmt.Sprintf("%d writes on their way", want), func() bool { return s.coming.Load() == want })
	return func() { close(ch); wg.Wait() }
}

// TestSyncDelayFollowsTheWritesInProgress: the next WAL fsync waits out
// the interval only while minSyncWriters writes are in progress, on their
// way (Expecting) or inside Write, and one of them has yet to apply its
// batch; a write on its way whose work panics is counted out.
func TestSyncDelayFollowsTheWritesInProgress(t *testing.T) {
	s, _ := openTest(t)
	if s.syncDelay == nil {
		t.Fatal("a store opened with the default options has no fsync delay")
	}
	if d := s.syncDelay(); d != 0 {
		t.Fatalf("an idle store holds its next fsync for %s", d)
	}
	// Writes that all wait for an fsync hold none: nothing could join it.
	s.writing.Add(minSyncWriters)
	if d := s.syncDelay(); d != 0 {
		t.Fatalf("%d writes all waiting for an fsync hold the next one for %s", minSyncWriters, d)
	}
	s.writing.Add(-minSyncWriters)
	first := expecting(t, s, 1)
	rest := expecting(t, s, minSyncWriters-2)
	if d := s.syncDelay(); d != 0 {
		t.Fatalf("%d writes in progress hold the fsync for %s; want it at once", minSyncWriters-1, d)
	}
	last := expecting(t, s, 1)
	if d := s.syncDelay(); d != DefaultMinSyncInterval {
		t.Fatalf("%d writes in progress: fsync delay %s, want %s", minSyncWriters, d, DefaultMinSyncInterval)
	}
	first()
	if n := s.coming.Load(); n != minSyncWriters-1 {
		t.Fatalf("after one ended: %d writes on their way, want %d", n, minSyncWriters-1)
	}
	if d := s.syncDelay(); d != 0 {
		t.Fatalf("back below %d writes: fsync delay %s", minSyncWriters, d)
	}
	func() {
		defer func() { _ = recover() }()
		_ = s.Expecting(func() error { panic("boom") })
	}()
	if n := s.coming.Load(); n != minSyncWriters-1 {
		t.Fatalf("after a write on its way panicked: %d on their way, want %d", n, minSyncWriters-1)
	}
	// A write inside Write counts until it is durable.
	release := make(chan struct{})
	inside := make(chan struct{})
	go func() {
		_, _ = s.Write(context.Background(), func(tx *Tx) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	if d := s.syncDelay(); d != DefaultMinSyncInterval {
		t.Fatalf("%d on their way and one in Write: fsync delay %s, want %s", minSyncWriters-1, d, DefaultMinSyncInterval)
	}
	close(release)
	rest()
	last()
	waitFor(t, "no write in progress", func() bool { return s.coming.Load() == 0 && s.writing.Load() == 0 })
}

// TestWritesUnderTheSyncDelayAreDurable: with the delay on throughout,
// concurrent creates all commit, each acknowledged only once durable, and
// the store counts no write in progress afterwards.
func TestWritesUnderTheSyncDelayAreDurable(t *testing.T) {
	s, _ := openTest(t)
	release := expecting(t, s, minSyncWriters)
	const writers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c, err := s.Write(context.Background(), func(tx *Tx) error {
					_, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprintf("w%d-%d", w, i), Create: true, Stamp: stampJSON})
					return err
				})
				if err == nil && s.durable.Load() < c.Seq {
					err = fmt.Errorf("commit %d acknowledged before it was durable (watermark %d)", c.Seq, s.durable.Load())
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	release()
	if n := s.Metrics().Commits; n != writers*each {
		t.Fatalf("%d commits, want %d", n, writers*each)
	}
	if s.coming.Load() != 0 || s.writing.Load() != 0 {
		t.Fatalf("writes still counted in progress: %d on their way, %d in Write", s.coming.Load(), s.writing.Load())
	}
}

// TestSyncDelayOptions: a negative MinSyncInterval syncs every waiting
// commit at once; a positive one replaces the default.
func TestSyncDelayOptions(t *testing.T) {
	off, err := Open(t.TempDir(), Options{MinSyncInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if off.syncDelay != nil {
		t.Fatal("MinSyncInterval -1 still delays fsyncs")
	}
	custom, err := Open(t.TempDir(), Options{MinSyncInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer custom.Close()
	defer expecting(t, custom, minSyncWriters)()
	if d := custom.syncDelay(); d != 2*time.Millisecond {
		t.Fatalf("MinSyncInterval 2ms: fsync delay %s", d)
	}
}

// TestAPanickingWriteLeavesNoCount: a write function that panics is no
// longer counted in progress, so it cannot keep fsyncs held.
func TestAPanickingWriteLeavesNoCount(t *testing.T) {
	s, _ := openTest(t)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the write function's panic did not reach the caller")
			}
		}()
		_, _ = s.Write(context.Background(), func(tx *Tx) error { panic("boom") })
	}()
	if w, st := s.writing.Load(), s.staging.Load(); w != 0 || st != 0 {
		t.Fatalf("after a panicking write: %d in Write, %d staging; want none", w, st)
	}
}
