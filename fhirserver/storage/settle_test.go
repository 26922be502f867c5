package storage

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// openSettle opens a store whose memtable settles after quiet with at
// least minBytes written.
func openSettle(t *testing.T, quiet time.Duration, minBytes int64) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{settleAfter: quiet, settleMinBytes: minBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// putBody commits typ/id with a body of n bytes.
func putBody(t *testing.T, s *Store, id string, n int) {
	t.Helper()
	if _, err := s.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Put(Put{Type: "Patient", ID: id, JSON: make([]byte, n)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func pebbleFlushes(s *Store) int64 { return s.db.Metrics().Flush.Count }

func TestSettleFlushesOnceWritesPause(t *testing.T) {
	const quiet = 2 * time.Second
	s := openSettle(t, quiet, 8<<10)
	before := pebbleFlushes(s)
	// Writes every 10 ms keep the store busy: no flush however much they
	// write, even though the first few already pass the threshold.
	// last is taken before each write, so the store's own record of its
	// last write is never earlier.
	var last time.Time
	for i := range 30 {
		last = time.Now()
		putBody(t, s, fmt.Sprint("p", i), 2<<10)
		time.Sleep(10 * time.Millisecond)
	}
	if got := pebbleFlushes(s); got != before && time.Since(last) < quiet {
		t.Fatalf("flushed while writes went on (%d flushes, %d before)", got, before)
	}
	waitFor(t, "flush after the writes paused", func() bool { return s.settle.flushes.Load() == 1 })
	if waited := time.Since(last); waited < quiet {
		t.Errorf("flushed %v after the last write, before the %v of quiet", waited, quiet)
	}
	if got := pebbleFlushes(s); got != before+1 {
		t.Errorf("Pebble flushes: %d, want %d", got, before+1)
	}
	m := s.db.Metrics()
	if m.Levels[0].TablesCount == 0 {
		t.Errorf("no sstable in L0 after the flush")
	}
	// The quiet writes read back from the sstable.
	for i := range 30 {
		if rec, err := s.Get(context.Background(), "Patient", fmt.Sprint("p", i)); err != nil || len(rec.JSON) != 2<<10 {
			t.Fatalf("read p%d after the flush: %v", i, err)
		}
	}
	// One flush per pause: the goroutine ended, and a new burst arms a new one.
	if s.settle.armed.Load() {
		t.Errorf("settling goroutine still armed after its flush")
	}
	for i := range 8 {
		putBody(t, s, fmt.Sprint("q", i), 2<<10)
	}
	waitFor(t, "flush after the second burst", func() bool { return s.settle.flushes.Load() == 2 })
}

func TestSettleLeavesSmallMemtable(t *testing.T) {
	s := openSettle(t, 20*time.Millisecond, 1<<20)
	before := pebbleFlushes(s)
	for i := range 10 {
		putBody(t, s, fmt.Sprint("p", i), 1<<10)
	}
	if s.settle.armed.Load() {
		t.Fatal("armed below the threshold")
	}
	time.Sleep(200 * time.Millisecond)
	if got := pebbleFlushes(s); got != before || s.settle.flushes.Load() != 0 {
		t.Errorf("a memtable of 10 KiB was flushed (%d Pebble flushes, %d before)", got, before)
	}
}

func TestSettleForgetsWhatPebbleFlushed(t *testing.T) {
	s := openSettle(t, time.Hour, 8<<10)
	for i := range 8 {
		putBody(t, s, fmt.Sprint("p", i), 2<<10)
	}
	if s.settle.pending.Load() < 8<<10 {
		t.Fatalf("pending %d after 16 KiB of writes", s.settle.pending.Load())
	}
	// A flush of Pebble's own (here: asked for) takes the pending writes
	// with it, so the settler has nothing left to flush.
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := s.settle.pending.Load(); got != 0 {
		t.Errorf("pending %d after Pebble flushed the memtable", got)
	}
}

func TestSettleCloseEndsTheWait(t *testing.T) {
	s, err := Open(t.TempDir(), Options{settleAfter: time.Hour, settleMinBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	putBody(t, s, "p", 2<<10)
	if !s.settle.armed.Load() {
		t.Fatal("not armed after a write past the threshold")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the settling goroutine to end at Close", func() bool { return !s.settle.armed.Load() })
	if s.settle.flushes.Load() != 0 {
		t.Error("flushed after Close")
	}
}

// TestSettleWaitsForOpen: writes before Open succeeded (a migration's) are
// counted but start nothing; Open's end starts the settling they call for.
func TestSettleWaitsForOpen(t *testing.T) {
	s := openSettle(t, 20*time.Millisecond, 1<<10)
	s.settle.open.Store(false) // as during Open
	putBody(t, s, "p", 2<<10)
	if s.settle.armed.Load() {
		t.Fatal("settling started before Open ended")
	}
	s.settleFrom()
	waitFor(t, "the flush Open's end started", func() bool { return s.settle.flushes.Load() == 1 })
}
