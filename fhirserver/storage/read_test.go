package storage

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestScanTypeAndCounts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	for _, id := range []string{"b", "a", "c", "ab"} {
		putOne(t, s, "Patient", id)
	}
	putOne(t, s, "PatientX", "z") // a type whose name extends Patient
	putOne(t, s, "Patient", "a")  // an update: still one resource
	deleteOne(t, s, "Patient", "c")

	tests := []struct {
		name  string
		after string
		want  []string
	}{
		{"from start", "", []string{"a", "ab", "b"}},
		{"after a", "a", []string{"ab", "b"}},
		{"after deleted c", "c", nil},
		{"after unknown between", "aa", []string{"ab", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for r, err := range s.ScanType(ctx, "Patient", tt.after) {
				if err != nil {
					t.Fatal(err)
				}
				if r.Deleted || r.JSON == nil {
					t.Errorf("scan yielded a tombstone or no JSON: %+v", r)
				}
				got = append(got, r.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["Patient"] != 3 || counts["PatientX"] != 1 || len(counts) != 2 {
		t.Errorf("counts = %v", counts)
	}
	// Stopping early releases the iterator (Close would report a leak).
	for range s.ScanType(ctx, "Patient", "") {
		break
	}
	for _, err := range s.ScanType(ctx, "", "") {
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("empty type: %v", err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	const n = 10000
	_, err := s.Write(ctx, func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint("p", i), JSON: make([]byte, 600)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i = (i + 7919) % n
			if _, err := s.Get(ctx, "Patient", fmt.Sprint("p", i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

func TestTxReadsSeeStagedWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "b")
	_, err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Delete(Delete{Type: "Patient", ID: "a"}); err != nil {
			return err
		}
		if _, err := tx.Put(Put{Type: "Patient", ID: "c", Stamp: stampJSON}); err != nil {
			return err
		}
		var ids []string
		for r, err := range tx.ScanType(ctx, "Patient", "") {
			if err != nil {
				return err
			}
			ids = append(ids, r.ID)
		}
		if fmt.Sprint(ids) != "[b c]" {
			t.Errorf("tx.ScanType = %v", ids)
		}
		rec, err := tx.Get(ctx, "Patient", "a")
		if err != nil || !rec.Deleted || rec.VersionID != 2 {
			t.Errorf("tx.Get of the staged tombstone = %+v, %v", rec, err)
		}
		if n, err := tx.Count(ctx, "Patient"); err != nil || n != 2 {
			t.Errorf("tx.Count = %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, "Patient"); n != 2 {
		t.Errorf("count after commit = %d", n)
	}
}

// TestCurrentVersion: the header's version and tombstone flag, as Get sees
// them; ErrNotFound for what never existed; bad keys refused.
func TestCurrentVersion(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "a")
	putOne(t, s, "Patient", "d")
	deleteOne(t, s, "Patient", "d")
	for _, tc := range []struct {
		id      string
		vid     int64
		deleted bool
	}{{"a", 2, false}, {"d", 2, true}} {
		vid, del, err := s.CurrentVersion(ctx, "Patient", tc.id)
		rec, gerr := s.Get(ctx, "Patient", tc.id)
		if err != nil || gerr != nil || vid != tc.vid || del != tc.deleted || rec.VersionID != vid || rec.Deleted != del {
			t.Errorf("%s: version %d deleted %v (%v); want %d %v as Get (%v)", tc.id, vid, del, err, tc.vid, tc.deleted, gerr)
		}
	}
	if _, _, err := s.CurrentVersion(ctx, "Patient", "none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, _, err := s.CurrentVersion(ctx, "Patient", ""); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("empty id: %v", err)
	}
}
