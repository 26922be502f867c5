package storage

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestEmptyRunsAreRemembered: a View that finds a run of the index empty
// lets later Views skip it, a write to the run undoes that before its batch
// is visible, and a View older than the one that learnt it still reads its
// own state (it may see entries deleted since).
func TestEmptyRunsAreRemembered(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	entry := func(v string) IndexEntry { return IndexEntry{Param: "code", Value: []byte(v)} }
	scan := func(v *View, tag byte) []string {
		t.Helper()
		var ids []string
		for h, err := range v.ScanIndex(ctx, IndexQuery{Type: "Obs", Param: "code", Lo: []byte{tag}, Hi: []byte{tag + 1}}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, h.ID)
		}
		return ids
	}
	// Each View is closed once, by closeView or, when the test fails
	// first, before its store (cleanups run last registered first).
	closers := map[*View]func(){}
	view := func() *View {
		t.Helper()
		v, err := s.View()
		if err != nil {
			t.Fatal(err)
		}
		closers[v] = sync.OnceFunc(func() { _ = v.Close() })
		t.Cleanup(closers[v])
		return v
	}
	putOne(t, s, "Obs", "a", entry("~x"))
	code, _ := s.codes.lookup("Obs", "code")
	k := tagKey{code, 'k'}
	v1 := view()
	if got := scan(v1, 'k'); len(got) != 0 || !absentFor(s.tags.load(k), v1.epoch) {
		t.Fatalf("an empty run: %v, absent %v", got, absentFor(s.tags.load(k), v1.epoch))
	}
	if absentFor(s.tags.load(tagKey{code, '~'}), v1.epoch) {
		t.Fatal("a run with an entry taken as empty")
	}

	// A write to the run: the next View reads it.
	putOne(t, s, "Obs", "b", entry("kx"), entry("ky"))
	if absentFor(s.tags.load(k), ^uint64(0)) {
		t.Fatal("the write left the run marked empty")
	}
	v2 := view()
	if got := scan(v2, 'k'); len(got) != 2 {
		t.Fatalf("the run after a write: %v", got)
	}

	// The run emptied: a newer View learns that, and an older one still
	// reads the entry deleted in between. Present is never undone, so the
	// store is reopened (nothing known) once the entry is written.
	deleteOne(t, s, "Obs", "b")
	putOne(t, s, "Obs", "c", entry("kz"))
	closers[v1]()
	closers[v2]()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(s.dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	s = s2
	if s.tags.load(k) != tagUnknown {
		t.Fatal("a reopened store knows the run")
	}
	old := view()
	deleteOne(t, s, "Obs", "c")
	newer := view()
	if got := scan(newer, 'k'); len(got) != 0 || !absentFor(s.tags.load(k), newer.epoch) {
		t.Fatalf("newer View: %v, absent %v", got, absentFor(s.tags.load(k), newer.epoch))
	}
	if got := scan(old, 'k'); len(got) != 1 || got[0] != "c" {
		t.Fatalf("the View from before the delete reads %v, want c", got)
	}
	if n, err := old.CountIndex(ctx, IndexQuery{Type: "Obs", Param: "code", Lo: []byte{'k'}, Hi: []byte{'k' + 1}}); err != nil || n != 1 {
		t.Fatalf("the older View counts %d (%v), want 1", n, err)
	}

	// A skipped run still ends with the request's context, as a scan does.
	done, cancel := context.WithCancel(ctx)
	cancel()
	var errs []error
	for _, err := range newer.ScanIndex(done, IndexQuery{Type: "Obs", Param: "code", Lo: []byte{'k'}, Hi: []byte{'k' + 1}}) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
		t.Errorf("a skipped run under a cancelled context: %v", errs)
	}
	if _, err := newer.CountIndex(done, IndexQuery{Type: "Obs", Param: "code", Lo: []byte{'k'}, Hi: []byte{'k' + 1}}); !errors.Is(err, context.Canceled) {
		t.Errorf("a skipped count under a cancelled context: %v", err)
	}
}

// TestTagStates: learning never overrides what a write marked, and a range
// is one run only within one tag byte.
func TestTagStates(t *testing.T) {
	var ts indexTags
	k := tagKey{7, 'k'}
	ts.markPresent(7, []byte("kx"))
	ts.learnAbsent(k, 7)
	if absentFor(ts.load(k), 7) || ts.load(k) == tagUnknown {
		t.Error("a learnt absence overrode a write's mark")
	}
	k2 := tagKey{7, 'n'}
	ts.learnAbsent(k2, 5)
	if !absentFor(ts.load(k2), 5) || !absentFor(ts.load(k2), 6) || absentFor(ts.load(k2), 4) {
		t.Error("absence holds from the learning View's epoch on, and only then")
	}
	ts.markPresent(7, []byte("nq"))
	if absentFor(ts.load(k2), 9) {
		t.Error("a write's mark did not end the absence")
	}
	for _, tt := range []struct {
		lo, hi string
		nilHi  bool
		one    bool
	}{
		{"kab", "kac", false, true},
		{"k", "l", false, true},
		{"k\x00", "l", false, true},
		{"kab", "l\x00", false, false},
		{"kab", "", true, false},
		{"", "l", false, false},
		{"kab", "m", false, false},
	} {
		q := IndexQuery{Type: "Obs", Param: "code", Lo: []byte(tt.lo), Hi: []byte(tt.hi)}
		if tt.nilHi {
			q.Hi = nil
		}
		if _, one := q.oneTag(); one != tt.one {
			t.Errorf("[%q, %q): one run %v, want %v", tt.lo, tt.hi, one, tt.one)
		}
	}
}
