package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestVersionsAndTombstones(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	steps := []struct {
		name      string
		write     func(tx *Tx) (*Record, error)
		wantErr   error
		wantVer   int64
		wantOp    Op
		wantCount int64
	}{
		{"create", func(tx *Tx) (*Record, error) {
			return tx.Put(Put{Type: "Patient", ID: "p", Create: true, Stamp: stampJSON})
		}, nil, 1, OpCreate, 1},
		{"create again refused", func(tx *Tx) (*Record, error) {
			return tx.Put(Put{Type: "Patient", ID: "p", Create: true, Stamp: stampJSON})
		}, ErrExists, 1, OpCreate, 1},
		{"update with wrong If-Match", func(tx *Tx) (*Record, error) {
			return tx.Put(Put{Type: "Patient", ID: "p", IfMatch: 7, Stamp: stampJSON})
		}, ErrVersionConflict, 1, OpCreate, 1},
		{"update with If-Match", func(tx *Tx) (*Record, error) {
			return tx.Put(Put{Type: "Patient", ID: "p", IfMatch: 1, Stamp: stampJSON})
		}, nil, 2, OpUpdate, 1},
		{"delete with wrong If-Match", func(tx *Tx) (*Record, error) {
			return tx.Delete(Delete{Type: "Patient", ID: "p", IfMatch: 1})
		}, ErrVersionConflict, 2, OpUpdate, 1},
		{"delete", func(tx *Tx) (*Record, error) { return tx.Delete(Delete{Type: "Patient", ID: "p"}) }, nil, 3, OpDelete, 0},
		{"delete again", func(tx *Tx) (*Record, error) { return tx.Delete(Delete{Type: "Patient", ID: "p"}) }, ErrGone, 3, OpDelete, 0},
		{"If-Match on deleted", func(tx *Tx) (*Record, error) {
			return tx.Put(Put{Type: "Patient", ID: "p", IfMatch: 3, Stamp: stampJSON})
		}, ErrVersionConflict, 3, OpDelete, 0},
		{"re-create after delete", func(tx *Tx) (*Record, error) {
			return tx.Put(Put{Type: "Patient", ID: "p", JSON: []byte(`{"plain":true}`)})
		}, nil, 4, OpCreate, 1},
		{"delete unknown", func(tx *Tx) (*Record, error) { return tx.Delete(Delete{Type: "Patient", ID: "nobody"}) }, ErrNotFound, 4, OpCreate, 1},
		{"bad id", func(tx *Tx) (*Record, error) { return tx.Put(Put{Type: "Patient", ID: "a\x00b", Stamp: stampJSON}) }, ErrInvalidKey, 4, OpCreate, 1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var got *Record
			_, err := s.Write(ctx, func(tx *Tx) (err error) {
				got, err = st.write(tx)
				return err
			})
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("err = %v, want %v", err, st.wantErr)
			}
			if err == nil && (got.VersionID != st.wantVer || got.Op != st.wantOp) {
				t.Fatalf("wrote version %d op %v, want %d %v", got.VersionID, got.Op, st.wantVer, st.wantOp)
			}
			cur, err := s.Get(ctx, "Patient", "p")
			if err != nil {
				t.Fatal(err)
			}
			if cur.VersionID != st.wantVer || cur.Op != st.wantOp || cur.Deleted != (st.wantOp == OpDelete) {
				t.Fatalf("current = v%d %v deleted=%v, want v%d %v", cur.VersionID, cur.Op, cur.Deleted, st.wantVer, st.wantOp)
			}
			if n, _ := s.Count(ctx, "Patient"); n != st.wantCount {
				t.Fatalf("count = %d, want %d", n, st.wantCount)
			}
		})
	}
	// Every version stays readable (vread), the tombstone without JSON.
	for v := int64(1); v <= 4; v++ {
		rec, err := s.GetVersion(ctx, "Patient", "p", v)
		if err != nil {
			t.Fatalf("vread %d: %v", v, err)
		}
		if rec.Deleted != (v == 3) || (rec.JSON == nil) != (v == 3) {
			t.Errorf("vread %d: deleted=%v json=%q", v, rec.Deleted, rec.JSON)
		}
		if v < 3 && !bytes.Contains(rec.JSON, fmt.Appendf(nil, `"versionId":"%d"`, v)) {
			t.Errorf("vread %d: stamp saw the wrong version: %s", v, rec.JSON)
		}
	}
	if _, err := s.GetVersion(ctx, "Patient", "p", 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("vread 5 = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "Patient", "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown = %v, want ErrNotFound", err)
	}
}

func TestFailedWriteLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "keep", IndexEntry{Param: "name", Value: []byte("old")})
	before := s.Metrics().LastSeq
	boom := errors.New("boom")
	tests := []struct {
		name string
		fn   func(tx *Tx) error
		want error
	}{
		{"error after puts", func(tx *Tx) error {
			_, _ = tx.Put(Put{Type: "Patient", ID: "new", Stamp: stampJSON, Index: []IndexEntry{{Param: "name", Value: []byte("x")}}})
			_, _ = tx.Put(Put{Type: "Patient", ID: "keep", Stamp: stampJSON})
			_, _ = tx.Delete(Delete{Type: "Patient", ID: "keep"})
			return boom
		}, boom},
		{"stamp error", func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "new", Stamp: func(Version) ([]byte, []IndexEntry, error) { return nil, nil, boom }})
			return err
		}, boom},
		{"bad index entry", func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "new", Stamp: stampJSON, Index: []IndexEntry{{Param: "", Value: nil}}})
			return err
		}, ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.Write(ctx, tt.fn); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("panic", func(t *testing.T) {
		func() {
			defer func() { _ = recover() }()
			_, _ = s.Write(ctx, func(tx *Tx) error {
				_, _ = tx.Put(Put{Type: "Patient", ID: "new", Stamp: stampJSON})
				panic("boom")
			})
		}()
	})
	if _, err := s.Get(ctx, "Patient", "new"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Patient/new exists after failed writes: %v", err)
	}
	if rec, _ := s.Get(ctx, "Patient", "keep"); rec.VersionID != 1 || rec.Deleted {
		t.Errorf("Patient/keep changed: %+v", rec)
	}
	if hits := collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name"})); len(hits) != 1 || string(hits[0].Value) != "old" {
		t.Errorf("index changed: %+v", hits)
	}
	// The next commit takes the very next sequence number: no gaps.
	if rec := putOne(t, s, "Patient", "after"); rec.Seq != before+1 {
		t.Errorf("seq after failed writes = %d, want %d", rec.Seq, before+1)
	}
}

func TestWriteHonoursCancelledContext(t *testing.T) {
	s, _ := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if _, err := s.Write(ctx, func(tx *Tx) error { called = true; return nil }); !errors.Is(err, context.Canceled) || called {
		t.Fatalf("err = %v, fn called = %v", err, called)
	}
}

func TestTxUsedAfterWriteFails(t *testing.T) {
	s, _ := openTest(t)
	var kept *Tx
	if _, err := s.Write(context.Background(), func(tx *Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Put(Put{Type: "Patient", ID: "late", Stamp: stampJSON}); !errors.Is(err, errTxDone) {
		t.Errorf("Put after Write returned = %v", err)
	}
}

func TestTransactionIsAllOrNothingAndSharesTime(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	c, err := s.Write(ctx, func(tx *Tx) error {
		for i := range 5 {
			if _, err := tx.Put(Put{Type: "Observation", ID: fmt.Sprint("o", i), Create: true, Stamp: stampJSON}); err != nil {
				return err
			}
		}
		// The tx sees its own staged writes.
		if n, err := tx.Count(ctx, "Observation"); err != nil || n != 5 {
			return fmt.Errorf("count inside tx = %d, %w", n, err)
		}
		if r, err := tx.Get(ctx, "Observation", "o3"); err != nil || r.VersionID != 1 {
			return fmt.Errorf("get inside tx = %+v, %w", r, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Records) != 5 || c.Seq != 5 {
		t.Fatalf("commit = %d records, seq %d", len(c.Records), c.Seq)
	}
	for i, r := range c.Records {
		if !r.LastUpdated.Equal(c.LastUpdated) || r.Seq != uint64(i+1) {
			t.Errorf("record %d: lastUpdated %v seq %d", i, r.LastUpdated, r.Seq)
		}
	}
}

func TestLastUpdatedIsStrictlyIncreasingEvenWhenTheClockIsNot(t *testing.T) {
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := putOne(t, s, "Patient", "a")
	b := putOne(t, s, "Patient", "b")
	if !b.LastUpdated.After(a.LastUpdated) || b.LastUpdated.Sub(a.LastUpdated) != time.Microsecond {
		t.Errorf("lastUpdated %v then %v", a.LastUpdated, b.LastUpdated)
	}
}

// TestConditionalCreateRace: 50 goroutines each "create if nothing matches
// identifier=X" — exactly one creates.
func TestConditionalCreateRace(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	value := []byte("urn:sys|X")
	lo, hi := ExactRange(value)
	var created atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Write(ctx, func(tx *Tx) error {
				for _, err := range tx.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "identifier", Lo: lo, Hi: hi}) {
					if err != nil {
						return err
					}
					return nil // a match exists: do nothing
				}
				_, err := tx.Put(Put{Type: "Patient", ID: fmt.Sprint("p", i), Create: true, Stamp: stampJSON,
					Index: []IndexEntry{{Param: "identifier", Value: value}}})
				if err == nil {
					created.Add(1)
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Fatalf("%d creates, want exactly 1", created.Load())
	}
	if n, _ := s.Count(ctx, "Patient"); n != 1 {
		t.Fatalf("%d patients stored", n)
	}
}

// TestIfMatchRace: 30 concurrent updates all sending If-Match: 1 — exactly
// one wins, the others get ErrVersionConflict (412).
func TestIfMatchRace(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	putOne(t, s, "Patient", "p")
	var won, lost atomic.Int32
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Write(ctx, func(tx *Tx) error {
				_, err := tx.Put(Put{Type: "Patient", ID: "p", IfMatch: 1, Stamp: stampJSON})
				return err
			})
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, ErrVersionConflict):
				lost.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 29 {
		t.Fatalf("%d won, %d lost", won.Load(), lost.Load())
	}
	if rec, _ := s.Get(ctx, "Patient", "p"); rec.VersionID != 2 {
		t.Fatalf("version %d after the race", rec.VersionID)
	}
}

// TestLargeTransaction commits a bundle bigger than Pebble's large-batch
// threshold (half the memtable), which Pebble applies as a flushable batch.
func TestLargeTransaction(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	body := bytes.Repeat([]byte("y"), 4096)
	const n = 3000 // ≈ 12 MiB
	c, err := s.Write(ctx, func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Put(Put{Type: "Binary", ID: fmt.Sprint("b", i), JSON: body,
				Index: []IndexEntry{{Param: "n", Value: fmt.Appendf(nil, "%05d", i)}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Seq != n || len(c.Records) != n {
		t.Fatalf("commit seq %d with %d records", c.Seq, len(c.Records))
	}
	if got, _ := s.Count(ctx, "Binary"); got != n {
		t.Errorf("count %d", got)
	}
	rec, err := s.Get(ctx, "Binary", "b2999")
	if err != nil || !bytes.Equal(rec.JSON, body) {
		t.Fatalf("last resource: %v", err)
	}
	page, err := s.Changes(ctx, "", n+10)
	if err != nil || len(page.Changes) != n {
		t.Fatalf("feed has %d changes, %v", len(page.Changes), err)
	}
	lo, hi := ExactRange([]byte("01234"))
	if hits := collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Binary", Param: "n", Lo: lo, Hi: hi})); len(hits) != 1 || hits[0].ID != "b1234" {
		t.Errorf("index hits %v", hitStrings(hits))
	}
}

// TestStampEntriesIndexedWithPutEntries checks that the entries a Stamp
// returns are written and replaced exactly like Put.Index entries (the two
// lists are staged side by side, not concatenated).
func TestStampEntriesIndexedWithPutEntries(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	stampWith := func(val string) func(Version) ([]byte, []IndexEntry, error) {
		return func(v Version) ([]byte, []IndexEntry, error) {
			body, _, _ := stampJSON(v)
			return body, []IndexEntry{{Param: "stamped", Value: []byte(val)}}, nil
		}
	}
	for _, step := range []struct {
		name         string
		index, stamp string
	}{
		{"create", "a", "v1"},
		{"update replaces both parts", "b", "v2"},
	} {
		_, err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: "p", Stamp: stampWith(step.stamp),
				Index: []IndexEntry{{Param: "name", Value: []byte(step.index)}}})
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for param, want := range map[string]string{"name": step.index + "@p", "stamped": step.stamp + "@p"} {
			got := hitStrings(collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: param})))
			if len(got) != 1 || got[0] != want {
				t.Errorf("%s: %s entries %q, want [%s]", step.name, param, got, want)
			}
		}
	}
	// A delete removes the entries of both parts.
	if _, err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Delete(Delete{Type: "Patient", ID: "p"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, param := range []string{"name", "stamped"} {
		if got := collectHits(t, s.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: param})); len(got) != 0 {
			t.Errorf("after delete: %s entries %v", param, hitStrings(got))
		}
	}
	// A Stamp entry that breaks the storage limits is refused like any other.
	_, err := s.Write(ctx, func(tx *Tx) error {
		_, err := tx.Put(Put{Type: "Patient", ID: "q", Stamp: func(v Version) ([]byte, []IndexEntry, error) {
			body, _, _ := stampJSON(v)
			return body, []IndexEntry{{Param: "", Value: []byte("x")}}, nil
		}})
		return err
	})
	if !errors.Is(err, ErrInvalidKey) {
		t.Errorf("invalid stamp entry: %v", err)
	}
}

// TestCreateFindsTheIDAtEveryLevel: a create's existence check refuses an id
// wherever its current version lives — staged in the same commit, in the
// memtable, or compacted to the bottom level (whose Bloom filters Pebble's
// point reads skip), as a tombstone too — and is not fooled by ids that share
// its prefix.
func TestCreateFindsTheIDAtEveryLevel(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	create := func(tx *Tx, id string) error {
		_, err := tx.Put(Put{Type: "Patient", ID: id, Create: true, Stamp: stampJSON})
		return err
	}
	write := func(fn func(tx *Tx) error) error {
		_, err := s.Write(ctx, fn)
		return err
	}
	if err := write(func(tx *Tx) error {
		if err := create(tx, "staged"); err != nil {
			return err
		}
		return create(tx, "staged")
	}); !errors.Is(err, ErrExists) {
		t.Fatalf("second create in one commit: %v, want ErrExists", err)
	}
	for _, id := range []string{"deep", "deepest", "gone", "mem"} {
		if err := write(func(tx *Tx) error { return create(tx, id) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := write(func(tx *Tx) error { _, err := tx.Delete(Delete{Type: "Patient", ID: "gone"}); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Compact(ctx, []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	if n := s.db.Metrics().Levels[6].TablesCount; n == 0 {
		t.Fatal("nothing reached the bottom level")
	}
	if err := write(func(tx *Tx) error { return create(tx, "memonly") }); err != nil {
		t.Fatal(err)
	}
	unused := func(id string) bool {
		t.Helper()
		ok, err := s.Unused("Patient", id)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, id := range []string{"deep", "deepest", "gone", "memonly"} {
		if err := write(func(tx *Tx) error { return create(tx, id) }); !errors.Is(err, ErrExists) {
			t.Errorf("create %s: %v, want ErrExists", id, err)
		}
		if unused(id) {
			t.Errorf("Unused(%s) = true", id)
		}
	}
	// Ids that prefix, or are prefixed by, existing ones are new.
	for _, id := range []string{"dee", "deepe", "deepestx", "me"} {
		if !unused(id) {
			t.Errorf("Unused(%s) = false before its create", id)
		}
		if err := write(func(tx *Tx) error { return create(tx, id) }); err != nil {
			t.Errorf("create %s: %v", id, err)
		}
		if unused(id) {
			t.Errorf("Unused(%s) = true after its create", id)
		}
	}
	if _, err := s.Unused("Patient", ""); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("Unused of an empty id: %v, want ErrInvalidKey", err)
	}
}

// TestFreshCreateWritesWhatACreateWrites: a create whose id the caller
// found unused (Put.Fresh) skips the lookup and nothing else — the same
// record, index entries, history and count as a create that looks.
func TestFreshCreateWritesWhatACreateWrites(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	entries := []IndexEntry{{Param: "name", Value: []byte("nchalmers")}}
	for _, p := range []Put{
		{Type: "Patient", ID: "looked", Create: true, Index: entries, Stamp: stampJSON},
		{Type: "Patient", ID: "fresh", Create: true, Fresh: true, Index: entries, Stamp: stampJSON},
	} {
		if _, err := s.Write(ctx, func(tx *Tx) error { _, err := tx.Put(p); return err }); err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
	}
	for _, id := range []string{"looked", "fresh"} {
		rec, err := s.Get(ctx, "Patient", id)
		if err != nil || rec.VersionID != 1 || rec.Op != OpCreate {
			t.Errorf("%s: %+v, %v; want version 1, a create", id, rec, err)
		}
		if h, err := s.History(ctx, HistoryQuery{Type: "Patient", ID: id}); err != nil || len(h.Records) != 1 {
			t.Errorf("%s: history %v, %v; want one version", id, h, err)
		}
	}
	lo, hi := ExactRange([]byte("nchalmers"))
	if n, err := s.CountIndex(ctx, IndexQuery{Type: "Patient", Param: "name", Lo: lo, Hi: hi}); err != nil || n != 2 {
		t.Errorf("index entries %d, %v; want both", n, err)
	}
	if n, err := s.Count(ctx, "Patient"); err != nil || n != 2 {
		t.Errorf("count %d, %v; want 2", n, err)
	}
}
