package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRebuildIndexes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fp := s.IndexFingerprint(); fp != "" {
		t.Fatalf("new store fingerprint = %q", fp)
	}
	// 2500 resources span several rebuild batches.
	const n = 2500
	_, err = s.Write(ctx, func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint("p", i), Stamp: stampJSON,
				Index: []IndexEntry{{Param: "old", Value: []byte("v")}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deleteOne(t, s, "Patient", "p7")

	// The new "definitions" index every patient by the last digit of its id.
	extract := func(rec *Record) ([]IndexEntry, error) {
		return []IndexEntry{{Param: "digit", Value: []byte(rec.ID[len(rec.ID)-1:])}}, nil
	}
	if err := s.RebuildIndexes(ctx, "fp-2", extract); err != nil {
		t.Fatal(err)
	}
	count := func(s *Store, param string, v string) int {
		q := IndexQuery{Type: "Patient", Param: param}
		if v != "" {
			q.Lo, q.Hi = ExactRange([]byte(v))
		}
		return len(collectHits(t, s.ScanIndex(ctx, q)))
	}
	if got := count(s, "old", ""); got != 0 {
		t.Errorf("%d old entries survived the rebuild", got)
	}
	if got := count(s, "digit", "7"); got != n/10-1 {
		t.Errorf("digit=7: %d hits, want %d (p7 is deleted)", got, n/10-1)
	}
	// The rebuild keeps no index lists: a later update given the rebuild's
	// extraction as its Reindex derives the rebuilt entries and replaces them.
	if _, err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Put(Put{Type: "Patient", ID: "p3", Index: []IndexEntry{{Param: "digit", Value: []byte("x")}},
			Stamp: stampJSON, Reindex: extract})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := count(s, "digit", "3"); got != n/10-1 {
		t.Errorf("digit=3 after update: %d hits, want %d", got, n/10-1)
	}
	if got := count(s, "digit", "x"); got != 1 {
		t.Errorf("digit=x after update: %d hits, want 1", got)
	}
	if _, ok, err := (reader{r: s.db}).idxList("Patient", "p3"); err != nil || ok {
		t.Errorf("index list of p3: %v, %v; want none", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fp := s.IndexFingerprint(); fp != "fp-2" {
		t.Errorf("fingerprint after reopen = %q", fp)
	}

	// A failing extraction leaves a fingerprint that forces another rebuild.
	boom := errors.New("boom")
	err = s.RebuildIndexes(ctx, "fp-3", func(*Record) ([]IndexEntry, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("rebuild error = %v", err)
	}
	if fp := s.IndexFingerprint(); fp == "fp-3" || fp == "fp-2" || !strings.Contains(fp, "rebuilding") {
		t.Errorf("fingerprint after failed rebuild = %q", fp)
	}
}

func TestStampAddsIndexEntriesThatDependOnTheVersion(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c, err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Put(Put{Type: "Patient", ID: "a", Index: []IndexEntry{{Param: "name", Value: []byte("n")}},
			Stamp: func(v Version) ([]byte, []IndexEntry, error) {
				return []byte(`{}`), []IndexEntry{{Param: "_lastUpdated", Value: []byte(v.LastUpdated.Format("2006-01-02T15:04:05.000000Z"))}}, nil
			}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hits := collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "_lastUpdated"}))
	if len(hits) != 1 || string(hits[0].Value) != c.LastUpdated.Format("2006-01-02T15:04:05.000000Z") {
		t.Errorf("_lastUpdated hits = %q", hitStrings(hits))
	}
	if len(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"}))) != 1 {
		t.Error("precomputed entry missing")
	}
}

// TestRebuildIndexesResumes cuts a rebuild short in its third batch and
// runs it again: the second run indexes only what the committed batches had
// not, and the index ends as an uninterrupted rebuild leaves it. A rebuild
// to another fingerprint after an interruption starts over.
func TestRebuildIndexesResumes(t *testing.T) {
	const n = 2500 // three batches of rebuildBatch
	fill := func(t *testing.T) (*Store, string) {
		s, dir := openTest(t)
		if _, err := s.Write(context.Background(), func(tx *Tx) error {
			for i := range n {
				if _, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprintf("p%04d", i), Stamp: stampJSON,
					Index: []IndexEntry{{Param: "old", Value: []byte("v")}}}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		deleteOne(t, s, "Patient", "p0007")
		return s, dir
	}
	extract := func(calls *int) func(rec *Record) ([]IndexEntry, error) {
		return func(rec *Record) ([]IndexEntry, error) {
			*calls++
			return []IndexEntry{{Param: "digit", Value: []byte(rec.ID[len(rec.ID)-1:])}}, nil
		}
	}
	index := func(t *testing.T, s *Store) string {
		ctx := context.Background()
		var out strings.Builder
		for _, p := range []string{"old", "digit"} {
			fmt.Fprintf(&out, "%s %v\n", p, hitStrings(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: p}))))
		}
		return out.String()
	}

	whole, _ := fill(t)
	calls := 0
	if err := whole.RebuildIndexes(context.Background(), "fp-2", extract(&calls)); err != nil {
		t.Fatal(err)
	}
	want := index(t, whole)

	for _, tc := range []struct {
		name, resumeTo string
		wantCalls      int
	}{
		{"same fingerprint resumes", "fp-2", n - 1 - 2*rebuildBatch},
		{"another fingerprint starts over", "fp-3", n - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := fill(t)
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			cut := func(rec *Record) ([]IndexEntry, error) {
				if calls == 2*rebuildBatch+100 { // inside the third batch
					cancel()
				}
				return extract(&calls)(rec)
			}
			if err := s.RebuildIndexes(ctx, "fp-2", cut); !errors.Is(err, context.Canceled) {
				t.Fatalf("cut rebuild: %v", err)
			}
			// What a crash would leave: reopen the store.
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if fp := s.IndexFingerprint(); fp != fingerprintRebuilding {
				t.Fatalf("fingerprint after the cut = %q", fp)
			}
			calls = 0
			if err := s.RebuildIndexes(context.Background(), tc.resumeTo, extract(&calls)); err != nil {
				t.Fatal(err)
			}
			if calls != tc.wantCalls {
				t.Errorf("the second rebuild indexed %d resources, want %d", calls, tc.wantCalls)
			}
			if got := index(t, s); got != want {
				t.Errorf("index after the resumed rebuild differs:\n got %s\nwant %s", got, want)
			}
			if fp := s.IndexFingerprint(); fp != tc.resumeTo {
				t.Errorf("fingerprint = %q, want %q", fp, tc.resumeTo)
			}
			if v, _ := s.getMeta(metaRebuilt); v != nil {
				t.Errorf("progress left behind: %q", v)
			}
		})
	}
}
