package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
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
	s.fail(ErrFailed)
	if err := <-woke; !errors.Is(err, ErrFailed) {
		t.Fatalf("reader waiting for durability got %v", err)
	}
	select {
	case <-s.Failed():
	default:
		t.Fatal("Failed() is not closed after a failed sync")
	}
	if err := s.Writable(); !errors.Is(err, ErrFailed) || s.Metrics().Writable {
		t.Fatalf("Writable after a failed sync: %v, metrics %+v", err, s.Metrics())
	}
	if _, err := s.Write(context.Background(), func(tx *Tx) error { return nil }); !errors.Is(err, ErrFailed) {
		t.Fatalf("write after failure: %v", err)
	}
	if rec, err := s.Get(context.Background(), "Patient", "a"); err != nil || rec.VersionID != 1 {
		t.Fatalf("durable data stays readable: %+v %v", rec, err)
	}
}

// BenchmarkDurableWrite measures durable single-resource creates with 1 to
// 64 concurrent writers, next to the disk's raw fsync rate: the way commits
// wait for their fsync (applyNoSyncWait, the store's; logData, an empty
// record synced after the batch) and, for the store's way, fsyncs at once
// against the default MinSyncInterval.
func BenchmarkDurableWrite(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 600)
	for _, mode := range []struct {
		name     string
		mode     syncMode
		interval time.Duration
	}{
		{"applyNoSyncWait", syncApplyNoSyncWait, 0},
		{"applyNoSyncWait-at-once", syncApplyNoSyncWait, -1},
		{"logData", syncLogData, 0},
	} {
		for _, writers := range []int{1, 2, 4, 8, 64} {
			b.Run(fmt.Sprintf("%s/writers=%d", mode.name, writers), func(b *testing.B) {
				s, err := Open(b.TempDir(), Options{syncMode: mode.mode, MinSyncInterval: mode.interval})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				syncs0, latency0 := walFsyncs(b, s)
				// Exactly `writers` goroutines (RunParallel would start a
				// multiple of GOMAXPROCS) share b.N writes.
				var n atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := n.Add(1)
							if i > int64(b.N) {
								return
							}
							_, err := s.Write(context.Background(), func(tx *Tx) error {
								_, err := tx.Put(Put{Type: "Observation", ID: fmt.Sprint("o", i), Create: true, JSON: body,
									Index: []IndexEntry{{Param: "code", Value: []byte("http://loinc.org|1234-5")}, {Param: "subject", Value: fmt.Appendf(nil, "Patient/%d", i%100)}}})
								return err
							})
							if err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
				// How well group commit works: commits per WAL fsync, and
				// how long those fsyncs took.
				syncs, latency := walFsyncs(b, s)
				if n := syncs - syncs0; n > 0 {
					b.ReportMetric(float64(b.N)/float64(n), "commits/fsync")
					b.ReportMetric((latency-latency0).Seconds()*1e6/float64(n), "µs/fsync")
				}
			})
		}
	}
}

// walFsyncs returns how many WAL fsyncs Pebble did and their total latency.
func walFsyncs(b *testing.B, s *Store) (uint64, time.Duration) {
	var m dto.Metric
	if err := s.db.Metrics().LogWriter.FsyncLatency.Write(&m); err != nil {
		b.Fatal(err)
	}
	h := m.GetHistogram()
	return h.GetSampleCount(), time.Duration(h.GetSampleSum()) // observed in nanoseconds
}

// BenchmarkRawFsync is the disk's fsync rate for a small file: the ceiling a
// store without group commit would hit.
func BenchmarkRawFsync(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 512)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fsyncs/s")
}
