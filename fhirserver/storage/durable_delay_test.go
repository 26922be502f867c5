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
	want := s.writes.Load() + int64(n)
	ch := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Expecting(func() error { <-ch; return nil })
		}()
	}
	waitFor(t, fmt.Sprintf("%d writes on their way", want), func() bool { return s.writes.Load() == want })
	return func() { close(ch); wg.Wait() }
}

// TestSyncDelayHeldWhileBusy: once busyWriters writes were in progress
// at once, on their way (Expecting) or inside Write, the next fsync is held
// for busyWindow even with none in progress (closed-loop clients spend
// most of their cycle where the store cannot count them), and not after;
// fewer never make the store busy.
func TestSyncDelayHeldWhileBusy(t *testing.T) {
	s, _ := openTest(t)
	if s.syncDelay == nil {
		t.Fatal("a store opened with the default options has no fsync delay")
	}
	if d := s.syncDelay(); d != 0 {
		t.Fatalf("an idle store holds its next fsync for %s", d)
	}
	expecting(t, s, busyWriters-1)()
	if s.busy() || s.syncDelay() != 0 {
		t.Fatalf("%d writes at once made the store busy", busyWriters-1)
	}
	before := time.Now() // the store is busy from after this on
	expecting(t, s, busyWriters)()
	if d := s.syncDelay(); d != DefaultMinSyncInterval && time.Since(before) < busyWindow {
		t.Fatalf("right after %d writes at once, none in progress: fsync delay %s, want %s", busyWriters, d, DefaultMinSyncInterval)
	}
	waitFor(t, "the store no longer busy", func() bool { return s.syncDelay() == 0 })
	if busy := time.Since(before); busy < busyWindow {
		t.Fatalf("busy for %s after %d writes at once, want %s", busy, busyWriters, busyWindow)
	}
	released := time.Now()
	// Writes inside Write count as well.
	hold := make(chan struct{})
	var wg sync.WaitGroup
	for i := range busyWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = s.Write(context.Background(), func(tx *Tx) error {
				<-hold
				_, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprintf("busy%d", i), Create: true, Stamp: stampJSON})
				return err
			})
		}()
	}
	waitFor(t, "every writer inside Write", func() bool { return s.writes.Load() == busyWriters })
	close(hold)
	wg.Wait()
	if !s.busy() && time.Since(released) < busyWindow {
		t.Fatal("writers inside Write did not make the store busy")
	}
}

// TestWritesUnderTheSyncDelayAreDurable: with the delay on throughout,
// concurrent creates all commit, each acknowledged only once durable, and
// the store counts no write in progress afterwards.
func TestWritesUnderTheSyncDelayAreDurable(t *testing.T) {
	s, _ := openTest(t)
	release := expecting(t, s, busyWriters)
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
	if n := s.writes.Load(); n != 0 {
		t.Fatalf("%d writes still counted in progress", n)
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
	start := time.Now()
	for range busyWriters {
		custom.beginWrite()
	}
	defer custom.writes.Add(-busyWriters)
	if d := custom.syncDelay(); d != 2*time.Millisecond && time.Since(start) < busyWindow {
		t.Fatalf("MinSyncInterval 2ms, busy: fsync delay %s", d)
	}
}

// TestAPanickingWriteLeavesNoCount: a write function, or the work before
// one, that panics is no longer counted in progress.
func TestAPanickingWriteLeavesNoCount(t *testing.T) {
	s, _ := openTest(t)
	func() {
		defer func() { _ = recover() }()
		_ = s.Expecting(func() error { panic("boom") })
	}()
	if n := s.writes.Load(); n != 0 {
		t.Fatalf("after a write on its way panicked: %d on their way, want none", n)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the write function's panic did not reach the caller")
			}
		}()
		_, _ = s.Write(context.Background(), func(tx *Tx) error { panic("boom") })
	}()
	if w := s.writes.Load(); w != 0 {
		t.Fatalf("after a panicking write: %d in Write, want none", w)
	}
}
