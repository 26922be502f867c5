package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestReindexReplacesEntriesWithoutAList: a write given Reindex keeps no
// index list, and the write that supersedes its version deletes the entries
// Reindex derives from that version's record — across commits, twice in one
// commit and by a delete — while a version that has a list (an older
// build's, or a writer's without Reindex) has that list's entries deleted.
// A Reindex that fails fails the write, which stages nothing.
func TestReindexReplacesEntriesWithoutAList(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	// The "resource" is its value; its one index entry is that value.
	body := func(v string) []byte { return []byte(v) }
	entries := func(v string) []IndexEntry { return []IndexEntry{{Param: "v", Value: []byte(v)}} }
	reindex := func(rec *Record) ([]IndexEntry, error) { return entries(string(rec.JSON)), nil }
	put := func(tx *Tx, id, v string, rx Reindexer) error {
		_, err := tx.Put(Put{Type: "Patient", ID: id, JSON: body(v), Index: entries(v), Reindex: rx})
		return err
	}
	write := func(fn func(tx *Tx) error) {
		t.Helper()
		if _, err := s.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	values := func() []string {
		t.Helper()
		var out []string
		for _, h := range collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "v"})) {
			out = append(out, h.ID+"="+string(h.Value))
		}
		return out
	}
	hasList := func(id string) bool {
		t.Helper()
		_, ok, err := (reader{r: s.db}).idxList("Patient", id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	check := func(step string, want ...string) {
		t.Helper()
		if got := values(); !slices.Equal(got, want) {
			t.Errorf("%s: entries %q, want %q", step, got, want)
		}
	}

	write(func(tx *Tx) error { return put(tx, "a", "a1", reindex) })
	if hasList("a") {
		t.Error("a create given Reindex wrote an index list")
	}
	check("create", "a=a1")
	write(func(tx *Tx) error { return put(tx, "a", "a2", reindex) })
	check("update", "a=a2")
	write(func(tx *Tx) error {
		if err := put(tx, "a", "a3", reindex); err != nil {
			return err
		}
		return put(tx, "a", "a4", reindex)
	})
	check("two versions in one commit", "a=a4")
	write(func(tx *Tx) error {
		_, err := tx.Delete(Delete{Type: "Patient", ID: "a", Reindex: reindex})
		return err
	})
	check("delete")

	// A version with a list: its list says what to delete, whatever Reindex
	// would derive; the list goes with it.
	write(func(tx *Tx) error { return put(tx, "b", "b1", nil) })
	if !hasList("b") {
		t.Fatal("a write without Reindex wrote no index list")
	}
	wrong := func(*Record) ([]IndexEntry, error) { return entries("not-b1"), nil }
	write(func(tx *Tx) error { return put(tx, "b", "b2", wrong) })
	check("update of a version with a list", "b=b2")
	if hasList("b") {
		t.Error("the superseded version's list survived")
	}

	boom := errors.New("boom")
	_, err := s.Write(ctx, func(tx *Tx) error {
		return put(tx, "b", "b3", func(*Record) ([]IndexEntry, error) { return nil, boom })
	})
	if !errors.Is(err, boom) {
		t.Fatalf("a failing Reindex: %v, want boom", err)
	}
	check("after the failed write", "b=b2")
	if rec, err := s.Get(ctx, "Patient", "b"); err != nil || string(rec.JSON) != "b2" {
		t.Errorf("after the failed write: %+v, %v; want b2", rec, err)
	}
}
