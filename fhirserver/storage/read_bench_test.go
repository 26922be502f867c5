package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// BenchmarkReadCurrent measures the reads that serve GET by id and a search
// page: Get of a current version, a ScanType page of 20, and GetVersion of
// the current and of the previous version. The store holds 20,000 Patients
// of 600 bytes, each updated once (so every resource also has a superseded
// version), and is read either as written (partly still in the memtable) or
// closed and reopened (reads then go to sstables through the default 8 MiB
// block cache, like a server's under load). cpu-ns/op is the CPU of the
// benchmark's own thread per operation (cputime.Thread): on a shared machine it
// says more than wall time, and unlike process CPU it leaves out the
// flushes and compactions that follow building the store.
func BenchmarkReadCurrent(b *testing.B) {
	const n = 20000
	for _, src := range []string{"as-written", "reopened"} {
		b.Run(src, func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			body := make([]byte, 600)
			for range 2 {
				if _, err := s.Write(ctx, func(tx *Tx) error {
					for i := range n {
						if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint("p", i), JSON: body}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if src == "reopened" {
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				if s, err = Open(dir, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			defer s.Close()
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprint("p", i)
			}
			benchReads(b, n, []readOp{
				{"Get", func(i int) error {
					_, err := s.Get(ctx, "Patient", ids[i])
					return err
				}},
				{"ScanType20", func(i int) error {
					got := 0
					for _, err := range s.ScanType(ctx, "Patient", ids[i]) {
						if err != nil {
							return err
						}
						if got++; got == 20 {
							break
						}
					}
					return nil
				}},
				{"GetVersion/current", func(i int) error {
					_, err := s.GetVersion(ctx, "Patient", ids[i], 2)
					return err
				}},
				{"GetVersion/previous", func(i int) error {
					_, err := s.GetVersion(ctx, "Patient", ids[i], 1)
					return err
				}},
			})
		})
	}
}

// readOp is one read of a read benchmark, of the i-th of its resources.
type readOp struct {
	name string
	op   func(i int) error
}

// benchReads runs each op as a sub-benchmark over n resources, visited in a
// stride that defeats locality, reporting the CPU of the reading thread
// (cputime.Thread) per op.
func benchReads(b *testing.B, n int, ops []readOp) {
	for _, bc := range ops {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			i := 0
			cpu0 := cputime.Thread()
			for b.Loop() {
				i = (i + 7919) % n
				if err := bc.op(i); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cputime.Thread()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkGetAfterBurst measures point reads of a store right after a burst
// of writes: 20,000 Observation-sized creates (the benchmark Observation's
// index entries, random ids), one commit each, as a feed writes them. The
// burst leaves the memtable holding its last part. "busy" reads through
// that memtable, as a store still being written does; "settled" reads after
// the memtable was flushed once writes paused (settle.go), and the
// compactions that flush set off ended. Get is one
// Store.Get; Loader20 is a search page's 20 record loads through one
// Loader.
func BenchmarkGetAfterBurst(b *testing.B) {
	const n = 20000
	for _, mode := range []string{"busy", "settled"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			quiet := time.Hour
			if mode == "settled" {
				quiet = 100 * time.Millisecond
			}
			s, err := Open(b.TempDir(), Options{settleAfter: quiet})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ids := make([]string, n)
			body := make([]byte, 900)
			for i := range ids {
				ids[i] = fmt.Sprintf("%016x", rand.Uint64())
				es := observationEntries(i)
				if _, err := s.Write(ctx, func(tx *Tx) error {
					_, err := tx.Put(Put{Type: "Observation", ID: ids[i], JSON: body, Index: es})
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			// Both read once the compactions the burst (and the settling
			// flush) started are done, so neither pays for them.
			for (mode == "settled" && s.settle.flushes.Load() == 0) || s.db.Metrics().Compact.NumInProgress > 0 {
				time.Sleep(10 * time.Millisecond)
			}
			m := s.db.Metrics()
			b.Logf("%s: L0 %d tables in %d sublevels, memtable holds %d bytes of writes", mode,
				m.Levels[0].TablesCount, m.Levels[0].Sublevels, s.settle.pending.Load())
			benchReads(b, n, []readOp{
				{"Get", func(i int) error {
					_, err := s.Get(ctx, "Observation", ids[i])
					return err
				}},
				{"Loader20", func(i int) error {
					l, err := s.NewLoader()
					if err != nil {
						return err
					}
					defer l.Close()
					for j := range 20 {
						if _, err := l.Get(ctx, "Observation", ids[(i+j*7919)%n]); err != nil {
							return err
						}
					}
					return nil
				}},
			})
		})
	}
}
