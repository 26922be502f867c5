package storage

import (
	"context"
	"encoding/binary"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// newIDs draws n ids from s.
func newIDs(t *testing.T, s *Store, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		id, err := s.NewID()
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	return ids
}

// TestNewIDsAreDistinct: ids across more than one reservation have the
// server's shape, are all different, decode to the count that gave them
// (the permutation is one), and do not follow each other in order.
func TestNewIDsAreDistinct(t *testing.T) {
	s, _ := openTest(t)
	ids := newIDs(t, s, 2*idReserveBlock+10)
	seen := map[string]bool{}
	for n, id := range ids {
		if !IsServerID(id) || seen[id] {
			t.Fatalf("id %d %q: not of the server's shape, or repeated", n, id)
		}
		seen[id] = true
		if hi, got, ok := s.ids.decode(id); !ok || hi != 0 || got != uint64(n) {
			t.Fatalf("id %d %q decodes to %d/%d, %v", n, id, hi, got, ok)
		}
	}
	if sorted := slices.IsSorted(ids[:100]); sorted {
		t.Errorf("the first ids are in order: %v", ids[:5])
	}
	if s.NewIDsNeedCheck() {
		t.Error("a new store's new ids need a lookup")
	}
}

func TestIsServerID(t *testing.T) {
	s, _ := openTest(t)
	for _, id := range append(newIDs(t, s, 2), "abcdefghijklmnop") {
		if !IsServerID(id) {
			t.Errorf("IsServerID(%q) = false", id)
		}
	}
	for _, id := range []string{"", "abc", "abcdefghijklmno1", "abcdefghijklmnopq", "abcdefghijklmn-p"} {
		if IsServerID(id) {
			t.Errorf("IsServerID(%q) = true", id)
		}
	}
}

// TestNewIDsContinueAfterReopen: a reopened store gives none of the ids it
// gave before, and different stores give different ids.
func TestNewIDsContinueAfterReopen(t *testing.T) {
	s, dir := openTest(t)
	before := newIDs(t, s, 10)
	other, _ := openTest(t)
	if o := newIDs(t, other, 10); slices.Equal(o, before) {
		t.Fatalf("two stores gave the same ids %v", o)
	}
	s = reopen(t, s, dir)
	after := newIDs(t, s, 10)
	for _, id := range after {
		if slices.Contains(before, id) {
			t.Fatalf("id %s given again after a reopen", id)
		}
	}
	if _, n, _ := s.ids.decode(after[0]); n != idReserveBlock {
		t.Errorf("the first id after the reopen has count %d, want the next reservation %d", n, idReserveBlock)
	}
}

// TestNewIDsAfterAPowerLoss: ids given before a power loss — their creates
// acknowledged or not, the reservation not yet full — are not given again
// by the recovered store, and the acknowledged creates survive.
func TestNewIDsAfterAPowerLoss(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewCrashableMem()
	s, err := Open("db", Options{fs: fs})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu          sync.Mutex
		given, acks []string
		wg          sync.WaitGroup
		stop        = make(chan struct{})
	)
	writers(t, &wg, stop, 8, func(g, i int) error {
		id, err := s.NewID()
		if err != nil {
			return err
		}
		mu.Lock()
		given = append(given, id)
		mu.Unlock()
		if _, err := s.Write(ctx, func(tx *Tx) error {
			_, err := tx.Put(Put{Type: "Patient", ID: id, Create: true, Fresh: true, Stamp: stampJSON})
			return err
		}); err != nil {
			return err
		}
		mu.Lock()
		acks = append(acks, id)
		mu.Unlock()
		return nil
	})
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	givenBefore, acked := slices.Clone(given), slices.Clone(acks)
	crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 0})
	mu.Unlock()
	close(stop)
	wg.Wait()
	_ = s.Close()
	if len(acked) < 10 {
		t.Fatalf("only %d creates before the crash", len(acked))
	}

	s2, err := Open("db", Options{fs: crashed})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, id := range acked {
		if _, err := s2.Get(ctx, "Patient", id); err != nil {
			t.Fatalf("acknowledged create of Patient/%s lost: %v", id, err)
		}
	}
	old := map[string]bool{}
	for _, id := range givenBefore {
		old[id] = true
	}
	for _, id := range newIDs(t, s2, 2*idReserveBlock) {
		if old[id] {
			t.Fatalf("id %s given before the power loss is given again", id)
		}
	}
	if s2.NewIDsNeedCheck() {
		t.Error("the recovered store's new ids need a lookup")
	}
	t.Logf("%d ids given, %d creates acknowledged before the crash", len(givenBefore), len(acked))
}

// TestClaimedIDsMakeNewIDsLookedUp: a write that creates a resource under
// an id of the server's shape that the count has not given yet (a client's
// update that creates) makes the store's new ids looked up from then on,
// also after a reopen; a client's id of another shape, or one the count
// gave already, does not.
func TestClaimedIDsMakeNewIDsLookedUp(t *testing.T) {
	s, dir := openTest(t)
	given := newIDs(t, s, 3)
	putOne(t, s, "Patient", "not-of-that-shape")
	putOne(t, s, "Patient", given[1]) // created inside the section, not Fresh
	if s.NewIDsNeedCheck() {
		t.Fatal("a client's id of another shape, or one already given, made new ids looked up")
	}
	s = reopen(t, s, dir)
	if s.NewIDsNeedCheck() {
		t.Fatal("new ids need a lookup after a reopen")
	}
	var ahead string
	for id := "aaaaaaaaaaaaaaaa"; ahead == ""; id = id[1:] + "b" {
		if _, n, _ := s.ids.decode(id); n >= s.ids.next {
			ahead = id
		}
	}
	putOne(t, s, "Patient", ahead)
	if !s.NewIDsNeedCheck() {
		t.Fatalf("a client created %s, which the count may give later, but new ids need no lookup", ahead)
	}
	s = reopen(t, s, dir)
	if !s.NewIDsNeedCheck() {
		t.Fatal("the mark was lost in a reopen")
	}
}

// TestOlderStoresLookNewIDsUp: a store of format 3 (no id area) that holds
// resources, whose ids were random, gets a key and the mark on Open; an
// empty one gets only the key.
func TestOlderStoresLookNewIDsUp(t *testing.T) {
	for _, held := range []bool{false, true} {
		s, dir := openTest(t)
		if held {
			putOne(t, s, "Patient", "p1")
		}
		s = reopenFrom(t, s, dir, 3, func(*pebble.Batch) {})
		if got := s.NewIDsNeedCheck(); got != held {
			t.Errorf("holding resources %v: new ids looked up %v", held, got)
		}
		if id, err := s.NewID(); err != nil || !IsServerID(id) {
			t.Fatalf("NewID = %q, %v", id, err)
		}
	}
}

// reopenFrom makes s a store of an older format — the format, no id area
// (none before format 4) and what older does — and reopens it, which must
// bring it to the current format.
func reopenFrom(t *testing.T, s *Store, dir string, format uint64, older func(*pebble.Batch)) *Store {
	t.Helper()
	b := s.db.NewBatch()
	_ = b.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, format), nil)
	dropIDArea(b)
	older(b)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, dir)
	if l := readLayout(t, s.db); l.format != storeFormat {
		t.Fatalf("format %d after Open, want %d", l.format, storeFormat)
	}
	return s
}

// dropIDArea deletes the id area in b, as stores before format 4 had none.
func dropIDArea(b *pebble.Batch) {
	for _, name := range []string{metaIDKey, metaIDReserved, metaIDsChecked} {
		_ = b.Delete(keyMeta(name), nil)
	}
}
