package storage

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkMigrateFormat1 is the first Open of a format-1 store of 100,000
// Patients of 600 bytes (a tenant's start after the upgrade): the store is
// written and rewritten in the format-1 layout outside the timer, then
// closed, so the migration reads sstables. us/resource is the wall time of
// the Open per resource.
func BenchmarkMigrateFormat1(b *testing.B) {
	const n, perCommit = 100000, 5000
	body := make([]byte, 600)
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for c := range n / perCommit {
			if _, err := s.Write(context.Background(), func(tx *Tx) error {
				for i := range perCommit {
					if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint("p", c*perCommit+i), JSON: body}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		downgradeToFormat1(b, s.db)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if s, err = Open(dir, Options{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "us/resource")
}
