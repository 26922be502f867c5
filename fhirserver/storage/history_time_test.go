package storage

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestHistoryTimeBoundsSeekInsteadOfScanning: _at and _since select their
// versions by seeking in the change log (ordered by lastUpdated), so the
// keys a query steps through depend on what it answers, not on the size
// of the history. A period before every version answers nothing and
// visits nothing; the same query used to walk all 300 versions.
func TestHistoryTimeBoundsSeekInsteadOfScanning(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	minute := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	// Minute 1: 100 creates; minute 10: 100 updates of the same ids; minute
	// 20: 100 creates of others. One commit each, so they share their minute.
	for _, step := range []struct {
		at     int
		prefix string
	}{{1, "a"}, {10, "a"}, {20, "b"}} {
		clock = minute(step.at)
		if _, err := s.Write(context.Background(), func(tx *Tx) error {
			for i := range 100 {
				if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint(step.prefix, i), Stamp: stampJSON}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	year1 := Period{Start: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name       string
		q          HistoryQuery
		records    int
		maxVisited int
	}{
		{"system at year 1", HistoryQuery{At: year1, Count: 1}, 0, 0},
		{"type at year 1", HistoryQuery{Type: "Patient", At: year1, Count: 1}, 0, 0},
		{"instance at year 1", HistoryQuery{Type: "Patient", ID: "a1", At: year1, Count: 1}, 0, 2},
		// Minute 5: every a/1 is current, the 200 later versions are skipped.
		{"system at minute 5", HistoryQuery{At: Period{Start: minute(5), End: minute(6)}, Count: 10}, 10, 11},
		{"type at minute 5", HistoryQuery{Type: "Patient", At: Period{Start: minute(5), End: minute(6)}, Count: 10}, 10, 11},
		// _since after the last version: nothing, nothing visited.
		{"system since the future", HistoryQuery{Since: minute(30), Count: 10}, 0, 0},
		{"type since the future", HistoryQuery{Type: "Patient", Since: minute(30), Count: 10}, 0, 0},
		{"system since minute 20", HistoryQuery{Since: minute(20), Count: 1000}, 100, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, visited, err := s.history(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Records) != tt.records || visited > tt.maxVisited {
				t.Fatalf("%d records after visiting %d history keys, want %d visiting at most %d", len(page.Records), visited, tt.records, tt.maxVisited)
			}
		})
	}
}

// TestFirstSeqAtOrAfter pins the edges of the binary search over the change
// log: exact stamps, sub-microsecond instants, before and after everything.
func TestFirstSeqAtOrAfter(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := base
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// seq 1 at base, seq 2 and 3 (one commit) at base+10µs, seq 4 at base+20µs.
	putOne(t, s, "Patient", "a")
	clock = base.Add(10 * time.Microsecond)
	if _, err := s.Write(context.Background(), func(tx *Tx) error {
		for _, id := range []string{"b", "c"} {
			if _, err := tx.Put(Put{Type: "Patient", ID: id, Stamp: stampJSON}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	clock = base.Add(20 * time.Microsecond)
	putOne(t, s, "Patient", "d")
	tests := []struct {
		at   time.Time
		want uint64
	}{
		{time.Time{}, 1},
		{base.Add(-time.Nanosecond), 1},
		{base, 1},
		{base.Add(time.Nanosecond), 2},
		{base.Add(10 * time.Microsecond), 2},
		{base.Add(10*time.Microsecond + 1), 4},
		{base.Add(20 * time.Microsecond), 4},
		{base.Add(20*time.Microsecond + 1), 5},
		{base.AddDate(10, 0, 0), 5},
	}
	for _, tt := range tests {
		got, err := reader{r: s.db}.firstSeqAtOrAfter(tt.at, 4)
		if err != nil || got != tt.want {
			t.Errorf("first seq at or after %s = %d, %v; want %d", tt.at.Format(time.RFC3339Nano), got, err, tt.want)
		}
	}
	if got, _ := (reader{r: s.db}).firstSeqAtOrAfter(base, 0); got != 1 {
		t.Errorf("empty log: %d, want 1", got)
	}
}

// TestHistoryStopsAtDeadline: a history walk under a context whose deadline
// has passed ends with that error instead of stepping on through the log.
func TestHistoryStopsAtDeadline(t *testing.T) {
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	done, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	for _, q := range []HistoryQuery{{}, {Type: "Patient"}, {Type: "Patient", ID: "a"}} {
		if _, err := s.History(done, q); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("history %+v: %v, want the deadline", q, err)
		}
	}
}
