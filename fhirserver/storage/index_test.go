package storage

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"
)

func collectHits(t testing.TB, seq iter.Seq2[IndexHit, error]) []IndexHit {
	t.Helper()
	var out []IndexHit
	for h, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

func hitStrings(hits []IndexHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = string(h.Value) + "@" + h.ID
	}
	return out
}

func TestScanIndex(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	e := func(v string) IndexEntry { return IndexEntry{Param: "name", Value: []byte(v)} }
	putOne(t, s, "Patient", "1", e("smith"), e("john"))
	putOne(t, s, "Patient", "2", e("smithers"))
	putOne(t, s, "Patient", "3", e("smith"))
	putOne(t, s, "Patient", "4", e("adams"), e("a\x00b"))
	putOne(t, s, "Patient", "5", e("zed"))
	putOne(t, s, "Practitioner", "9", e("smith")) // another type: never seen below
	putOne(t, s, "Patient", "5", e("young"))      // update replaces zed
	putOne(t, s, "Patient", "6", e("gone"))
	deleteOne(t, s, "Patient", "6") // delete drops its entries

	exLo, exHi := ExactRange([]byte("smith"))
	pLo, pHi := PrefixRange([]byte("smith"))
	tests := []struct {
		name string
		q    IndexQuery
		want []string
	}{
		{"all", IndexQuery{}, []string{"a\x00b@4", "adams@4", "john@1", "smith@1", "smith@3", "smithers@2", "young@5"}},
		{"exact", IndexQuery{Lo: exLo, Hi: exHi}, []string{"smith@1", "smith@3"}},
		{"prefix", IndexQuery{Lo: pLo, Hi: pHi}, []string{"smith@1", "smith@3", "smithers@2"}},
		{"prefix reverse", IndexQuery{Lo: pLo, Hi: pHi, Reverse: true}, []string{"smithers@2", "smith@3", "smith@1"}},
		{"from lo", IndexQuery{Lo: []byte("sn")}, []string{"young@5"}},
		{"below hi", IndexQuery{Hi: []byte("adams")}, []string{"a\x00b@4"}},
		{"after cursor", IndexQuery{After: &IndexHit{Value: []byte("smith"), ID: "1"}}, []string{"smith@3", "smithers@2", "young@5"}},
		{"after cursor reverse", IndexQuery{Reverse: true, After: &IndexHit{Value: []byte("smith"), ID: "3"}}, []string{"smith@1", "john@1", "adams@4", "a\x00b@4"}},
		{"cursor before range", IndexQuery{Lo: exLo, Hi: exHi, After: &IndexHit{Value: []byte("b"), ID: "1"}}, []string{"smith@1", "smith@3"}},
		{"empty range", IndexQuery{Lo: []byte("z"), Hi: []byte("a")}, nil},
		{"unknown param", IndexQuery{Param: "birthdate"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Type = "Patient"
			if q.Param == "" {
				q.Param = "name"
			}
			got := hitStrings(collectHits(t, s.ScanIndex(ctx, q)))
			if n, err := s.CountIndex(ctx, q); err != nil || n != int64(len(tt.want)) {
				t.Errorf("CountIndex = %d, %v; want %d", n, err, len(tt.want))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
	for _, err := range s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: ""}) {
		if err == nil {
			t.Error("empty param accepted")
		}
	}
}

func TestTxScanIndexSeesStagedEntries(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "1", IndexEntry{Param: "name", Value: []byte("old")})
	_, err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Put(Put{Type: "Patient", ID: "1", Stamp: stampJSON, Index: []IndexEntry{{Param: "name", Value: []byte("new")}}}); err != nil {
			return err
		}
		got := hitStrings(collectHits(t, tx.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"})))
		if len(got) != 1 || got[0] != "new@1" {
			t.Errorf("inside tx: %q", got)
		}
		lo, hi := ExactRange([]byte("old"))
		if n, err := tx.CountIndex(ctx, IndexQuery{Type: "Patient", Param: "name", Lo: lo, Hi: hi}); err != nil || n != 0 {
			t.Errorf("inside tx, old entries counted: %d %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkIndexScan compares decoding every hit with counting keys, over
// 100,000 entries of one value (a token search matching them all).
func BenchmarkIndexScan(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	const n = 100000
	for start := 0; start < n; start += 10000 {
		_, err := s.Write(ctx, func(tx *Tx) error {
			for i := start; i < start+10000; i++ {
				if _, err := tx.Put(Put{Type: "Observation", ID: fmt.Sprintf("o%06d", i), JSON: []byte("{}"),
					Index: []IndexEntry{{Param: "code", Value: []byte("http://loinc.org|1234-5")}}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	lo, hi := ExactRange([]byte("http://loinc.org|1234-5"))
	q := IndexQuery{Type: "Observation", Param: "code", Lo: lo, Hi: hi}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			c := 0
			for _, err := range s.ScanIndex(ctx, q) {
				if err != nil {
					b.Fatal(err)
				}
				c++
			}
			if c != n {
				b.Fatalf("%d hits", c)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
	})
	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			if c, err := s.CountIndex(ctx, q); err != nil || c != n {
				b.Fatalf("%d, %v", c, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
	})
}

// TestUpdateKeepsUnchangedEntries: an entry present in both the old and the
// new version is deleted and set in the same batch; the set must win.
func TestUpdateKeepsUnchangedEntries(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	e := func(v string) IndexEntry { return IndexEntry{Param: "name", Value: []byte(v)} }
	putOne(t, s, "Patient", "1", e("kept"), e("dropped"))
	putOne(t, s, "Patient", "1", e("kept"), e("added"))
	got := hitStrings(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"})))
	if fmt.Sprint(got) != "[added@1 kept@1]" {
		t.Fatalf("entries after update: %q", got)
	}
	deleteOne(t, s, "Patient", "1")
	putOne(t, s, "Patient", "1", e("again"))
	got = hitStrings(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"})))
	if fmt.Sprint(got) != "[again@1]" {
		t.Fatalf("entries after delete and re-create: %q", got)
	}
}

// TestScanIndexStopsAtDeadline: a scan under a context whose deadline has
// passed ends with that error before reading anything, on the store and
// inside a Write (where it would hold every other writer), so the request
// deadline bounds index work.
func TestScanIndexStopsAtDeadline(t *testing.T) {
	s, _ := openTest(t)
	putOne(t, s, "Patient", "a", IndexEntry{Param: "name", Value: []byte("x")})
	done, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	q := IndexQuery{Type: "Patient", Param: "name"}
	check := func(where string, scan iter.Seq2[IndexHit, error]) {
		var errs []error
		for _, err := range scan {
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
			t.Errorf("%s: %v; want only the deadline", where, errs)
		}
	}
	check("store", s.ScanIndex(done, q))
	_, err := s.Write(context.Background(), func(tx *Tx) error {
		check("tx", tx.ScanIndex(done, q))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTxRewritesWithoutIndexedBatch: several versions of one resource staged
// in one commit, with no read between them but the writes' own (the batch
// stays unindexed and they read what they staged from Tx's staged keys), and
// again with a scan in between (which indexes the batch): either way each
// version supersedes the one staged before it, its index entries replace
// that one's, and every version stays readable.
func TestTxRewritesWithoutIndexedBatch(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	entry := func(v string) []IndexEntry { return []IndexEntry{{Param: "name", Value: []byte(v)}} }
	putOne(t, s, "Patient", "b", entry("b0")...)
	_, err := s.Write(ctx, func(tx *Tx) error {
		steps := []func() error{
			func() error {
				_, err := tx.Put(Put{Type: "Patient", ID: "a", Create: true, Stamp: stampJSON, Index: entry("a1")})
				return err
			},
			func() error {
				_, err := tx.Put(Put{Type: "Patient", ID: "a", IfMatch: 1, Stamp: stampJSON, Index: entry("a2")})
				return err
			},
			func() error { _, err := tx.Delete(Delete{Type: "Patient", ID: "a", IfMatch: 2}); return err },
			func() error {
				_, err := tx.Put(Put{Type: "Patient", ID: "a", Stamp: stampJSON, Index: entry("a4")})
				return err
			},
			func() error {
				_, err := tx.Put(Put{Type: "Patient", ID: "b", IfMatch: 1, Stamp: stampJSON})
				return err
			},
			func() error {
				_, err := tx.Put(Put{Type: "Patient", ID: "b", IfMatch: 2, Stamp: stampJSON, Index: entry("b3")})
				return err
			},
		}
		for i, step := range steps {
			if err := step(); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		}
		if tx.indexed {
			t.Error("the batch was indexed with no read but the writes' own")
		}
		got := hitStrings(collectHits(t, tx.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"})))
		if !tx.indexed || len(got) != 2 || got[0] != "a4@a" || got[1] != "b3@b" {
			t.Errorf("inside tx after the writes (indexed %v): %q", tx.indexed, got)
		}
		// Writes after the batch was indexed read through it.
		_, err := tx.Put(Put{Type: "Patient", ID: "a", IfMatch: 4, Stamp: stampJSON, Index: entry("a5")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := hitStrings(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"}))); len(got) != 2 || got[0] != "a5@a" || got[1] != "b3@b" {
		t.Errorf("index after the commit: %q", got)
	}
	for id, last := range map[string]int64{"a": 5, "b": 3} {
		cur, err := s.Get(ctx, "Patient", id)
		if err != nil || cur.VersionID != last || cur.Deleted {
			t.Fatalf("current %s: %+v %v", id, cur, err)
		}
		for v := int64(1); v < last; v++ {
			rec, err := s.GetVersion(ctx, "Patient", id, v)
			if err != nil || rec.Deleted != (id == "a" && v == 3) {
				t.Errorf("%s version %d: %+v %v", id, v, rec, err)
			}
		}
	}
	if n, _ := s.Count(ctx, "Patient"); n != 2 {
		t.Errorf("count %d, want 2", n)
	}
}
