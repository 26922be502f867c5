package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDurableWatermark(t *testing.T) {
	s, _ := openTest(t)
	// Commits finish their fsync wait in any order; the watermark only rises.
	for _, step := range []struct{ advance, want uint64 }{{3, 3}, {2, 3}, {7, 7}, {5, 7}} {
		s.advanceDurable(step.advance)
		if got := s.durable.Load(); got != step.want {
			t.Fatalf("after advance(%d): watermark %d, want %d", step.advance, got, step.want)
		}
	}
	ctx := context.Background()
	if err := s.waitDurable(ctx, 7); err != nil {
		t.Fatalf("wait for a durable seq: %v", err)
	}
	woke := make(chan error, 1)
	go func() { woke <- s.waitDurable(ctx, 9) }()
	s.advanceDurable(8)
	select {
	case err := <-woke:
		t.Fatalf("waiter for 9 woke at 8: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	s.advanceDurable(9)
	if err := <-woke; err != nil {
		t.Fatalf("waiter for 9: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := s.waitDurable(short, 100); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait past the end: %v", err)
	}
}

func TestFailedSyncStopsWritesAndWakesReaders(t *testing.T) {
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	woke := make(chan error, 1)
	go func() { woke <- s.waitDurable(context.Background(), 50) }()
	time.Sleep(5 * time.Millisecond)
	// What Write does when Batch.SyncWait fails.
	failure := ErrFailed
	s.failed.CompareAndSwap(nil, &failure)
	s.signalDurable()
	if err := <-woke; !errors.Is(err, ErrFailed) {
		t.Fatalf("reader waiting for durability got %v", err)
	}
	if _, err := s.Write(context.Background(), func(tx *Tx) error { return nil }); !errors.Is(err, ErrFailed) {
		t.Fatalf("write after failure: %v", err)
	}
	if rec, err := s.Get(context.Background(), "Patient", "a"); err != nil || rec.VersionID != 1 {
		t.Fatalf("durable data stays readable: %+v %v", rec, err)
	}
}
