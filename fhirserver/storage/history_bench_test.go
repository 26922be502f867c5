package storage

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// BenchmarkHistory200k asks history queries with time parameters of a store
// of 200,000 versions (100,000 Patients created in 100 commits a minute
// apart, then each updated once in 100 more): the cost of one request, to
// hold against the target of ≤ 50 ms. The store is built once per run in a
// temporary folder (a few seconds) and reopened, so reads go to sstables.
// cpu-ns/op is the query's own CPU (its thread's), steadier than ms/op on a
// shared machine.
func BenchmarkHistory200k(b *testing.B) {
	const perCommit, commits = 1000, 200
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	minute := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	dir := b.TempDir()
	clock := start
	s, err := Open(dir, Options{Now: func() time.Time { return clock }})
	if err != nil {
		b.Fatal(err)
	}
	pad := strings.Repeat("x", 500) // about the size of a small real resource
	stamp := func(v Version) ([]byte, []IndexEntry, error) {
		return fmt.Appendf(nil, `{"resourceType":%q,"id":%q,"meta":{"versionId":"%d"},"text":%q}`, v.Type, v.ID, v.VersionID, pad), nil, nil
	}
	for c := range commits {
		clock = minute(c)
		if _, err := s.Write(context.Background(), func(tx *Tx) error {
			for i := range perCommit {
				id := fmt.Sprint("p", (c%(commits/2))*perCommit+i)
				if _, err := tx.Put(Put{Type: "Patient", ID: id, Stamp: stamp}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	year1 := Period{Start: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, bc := range []struct {
		name string
		q    HistoryQuery
		want int
	}{
		{"system/_at=0001&_count=1", HistoryQuery{At: year1, Count: 1}, 0},
		{"type/_at=0001&_count=1", HistoryQuery{Type: "Patient", At: year1, Count: 1}, 0},
		{"system/_at=minute-150&_count=50", HistoryQuery{At: Period{Start: minute(150), End: minute(151)}, Count: 50}, 50},
		{"system/_since=minute-199&_count=50", HistoryQuery{Since: minute(199), Count: 50}, 50},
		{"system/_since=future&_count=1", HistoryQuery{Since: minute(1000), Count: 1}, 0},
		{"type/_since=minute-100&_count=1000", HistoryQuery{Type: "Patient", Since: minute(100), Count: 1000}, 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			runtime.LockOSThread() // for cputime.Thread: a history query runs on its caller's thread
			defer runtime.UnlockOSThread()
			cpu0 := cputime.Thread()
			for b.Loop() {
				p, err := s.History(context.Background(), bc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Records) != bc.want {
					b.Fatalf("%d records, want %d", len(p.Records), bc.want)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(cputime.Thread()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
