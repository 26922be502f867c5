package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func historyIDs(t *testing.T, s *Store, q HistoryQuery) (all []string) {
	t.Helper()
	for {
		p, err := s.History(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Records {
			all = append(all, fmt.Sprintf("%s/%s/%d", r.Type, r.ID, r.VersionID))
		}
		if p.Next == "" {
			return all
		}
		if len(p.Records) != q.Count {
			t.Fatalf("short page (%d of %d) with a next cursor", len(p.Records), q.Count)
		}
		q.Cursor = p.Next
	}
}

func TestHistory(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := func(minute int) time.Time { return time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC) }
	step := func(minute int, f func()) { clock = at(minute); f() }
	step(1, func() { putOne(t, s, "Patient", "a") })     // a/1
	step(2, func() { putOne(t, s, "Observation", "o") }) // o/1
	step(3, func() { putOne(t, s, "Patient", "a") })     // a/2
	step(4, func() { putOne(t, s, "Patient", "b") })     // b/1
	step(5, func() { deleteOne(t, s, "Patient", "a") })  // a/3
	step(6, func() { putOne(t, s, "Observation", "o") }) // o/2

	tests := []struct {
		name string
		q    HistoryQuery
		want string
	}{
		{"system", HistoryQuery{}, "[Observation/o/2 Patient/a/3 Patient/b/1 Patient/a/2 Observation/o/1 Patient/a/1]"},
		{"type", HistoryQuery{Type: "Patient"}, "[Patient/a/3 Patient/b/1 Patient/a/2 Patient/a/1]"},
		{"instance", HistoryQuery{Type: "Patient", ID: "a"}, "[Patient/a/3 Patient/a/2 Patient/a/1]"},
		{"unknown instance", HistoryQuery{Type: "Patient", ID: "zz"}, "[]"},
		{"system since", HistoryQuery{Since: at(4)}, "[Observation/o/2 Patient/a/3 Patient/b/1]"},
		{"type since", HistoryQuery{Type: "Patient", Since: at(3)}, "[Patient/a/3 Patient/b/1 Patient/a/2]"},
		{"instance since", HistoryQuery{Type: "Patient", ID: "a", Since: at(2)}, "[Patient/a/3 Patient/a/2]"},
		// At minute 3–4: a/2 (current 3..5), b/1 (from 4 on) excluded as it
		// starts at the end, o/1 (current 2..6).
		{"system at", HistoryQuery{At: Period{Start: at(3), End: at(4)}}, "[Patient/a/2 Observation/o/1]"},
		{"instance at", HistoryQuery{Type: "Patient", ID: "a", At: Period{Start: at(1), End: at(3)}}, "[Patient/a/1]"},
		{"instance at open end", HistoryQuery{Type: "Patient", ID: "a", At: Period{Start: at(4)}}, "[Patient/a/3 Patient/a/2]"},
		{"type at", HistoryQuery{Type: "Patient", At: Period{Start: at(5), End: at(6)}}, "[Patient/a/3 Patient/b/1]"},
	}
	for _, tt := range tests {
		for _, count := range []int{1, 2, 50} {
			t.Run(fmt.Sprintf("%s/count=%d", tt.name, count), func(t *testing.T) {
				q := tt.q
				q.Count = count
				if got := fmt.Sprint(historyIDs(t, s, q)); got != tt.want {
					t.Fatalf("got %s, want %s", got, tt.want)
				}
			})
		}
	}
	for _, c := range []string{"x", "h", "h!!", "h0"} {
		if _, err := s.History(context.Background(), HistoryQuery{Cursor: c}); !errors.Is(err, ErrBadCursor) {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
	if _, err := s.History(context.Background(), HistoryQuery{ID: "a"}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("id without type: %v", err)
	}
}

// TestHistoryPagingIsStableUnderConcurrentWrites pages through history at
// each level while writers keep adding versions (also of the paged
// resource): the pages, joined, are exactly the history as it was at the
// first page, newest first, with no repeats.
func TestHistoryPagingIsStableUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	levels := []struct {
		name string
		q    HistoryQuery
		want []uint64 // seqs newest first, given 40 seed writes of p0…p6 then o
	}{
		{"system", HistoryQuery{}, seqRange(41, 1)},
		{"type", HistoryQuery{Type: "Patient"}, seqRange(40, 1)},
		{"instance", HistoryQuery{Type: "Patient", ID: "p0"}, []uint64{36, 29, 22, 15, 8, 1}},
	}
	for _, lv := range levels {
		t.Run(lv.name, func(t *testing.T) {
			s, _ := openTest(t)
			for i := range 40 {
				putOne(t, s, "Patient", fmt.Sprint("p", i%7))
			}
			putOne(t, s, "Observation", "o")
			q := lv.q
			q.Count = 4
			first, err := s.History(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			stop := make(chan struct{})
			writers(t, &wg, stop, 4, func(w, i int) error {
				id := fmt.Sprint("w", w, "-", i%3)
				if i%2 == 0 {
					id = "p0"
				}
				putOne(t, s, "Patient", id)
				return nil
			})
			var seqs []uint64
			for _, r := range first.Records {
				seqs = append(seqs, r.Seq)
			}
			for q.Cursor = first.Next; q.Cursor != ""; {
				p, err := s.History(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range p.Records {
					seqs = append(seqs, r.Seq)
				}
				q.Cursor = p.Next
				time.Sleep(time.Millisecond) // let the writers in between pages
			}
			close(stop)
			wg.Wait()
			if fmt.Sprint(seqs) != fmt.Sprint(lv.want) {
				t.Fatalf("paged seqs %v, want %v", seqs, lv.want)
			}
		})
	}
}

func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s >= to; s-- {
		out = append(out, s)
	}
	return out
}
