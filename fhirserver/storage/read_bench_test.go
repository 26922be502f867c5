package storage

import (
	"context"
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkReadCurrent measures the reads that serve GET by id and a search
// page: Get of a current version, a ScanType page of 20, and GetVersion of
// the current and of the previous version. The store holds 20,000 Patients
// of 600 bytes, each updated once (so every resource also has a superseded
// version), and is read either as written (partly still in the memtable) or
// closed and reopened (reads then go to sstables through the default 8 MiB
// block cache, like a server's under load). cpu-ns/op is the CPU of the
// benchmark's own thread per operation (threadCPU): on a shared machine it
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
			for _, bc := range []struct {
				name string
				op   func(i int) error
			}{
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
			} {
				b.Run(bc.name, func(b *testing.B) {
					b.ReportAllocs()
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					i := 0
					cpu0 := threadCPU()
					for b.Loop() {
						i = (i + 7919) % n
						if err := bc.op(i); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(threadCPU()-cpu0)/float64(b.N), "cpu-ns/op")
				})
			}
		})
	}
}
