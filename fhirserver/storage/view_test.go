package storage

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
)

// TestViewReadsOneState: a View sees the store as it was when it was made
// — records, index entries, counts, type scans and its Loader — whatever is
// written, updated or deleted after, while the store itself moves on.
func TestViewReadsOneState(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	entry := func(v string) IndexEntry { return IndexEntry{Param: "name", Value: []byte(v)} }
	putOne(t, s, "Patient", "a", entry("~ann"))
	putOne(t, s, "Patient", "b", entry("~bo"))
	v, err := s.View()
	if err != nil {
		t.Fatal(err)
	}
	// Closed below; if the test fails first, before the store (which waits
	// for it).
	closeView := sync.OnceValue(v.Close)
	t.Cleanup(func() { _ = closeView() })
	putOne(t, s, "Patient", "a", entry("nann"), entry("ncy")) // moved to another run
	deleteOne(t, s, "Patient", "b")
	putOne(t, s, "Patient", "c", entry("~ann"))

	// What the View reads, and what the store reads now.
	type state struct {
		aVersion int64
		bDeleted bool
		cFound   bool
		ann      []string // ids under ~ann, then nann
		count    int64
		ids      []string
		counted  int64
	}
	read := func(rd Reader) state {
		t.Helper()
		var st state
		a, err := rd.Get(ctx, "Patient", "a")
		if err != nil {
			t.Fatal(err)
		}
		st.aVersion = a.VersionID
		b, err := rd.Get(ctx, "Patient", "b")
		if err != nil {
			t.Fatal(err)
		}
		st.bDeleted = b.Deleted
		_, err = rd.Get(ctx, "Patient", "c")
		st.cFound = err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		for _, lo := range []string{"~ann", "nann"} {
			for h, err := range rd.ScanIndex(ctx, IndexQuery{Type: "Patient", Param: "name", Lo: []byte(lo), Hi: []byte(lo + "\x00")}) {
				if err != nil {
					t.Fatal(err)
				}
				st.ann = append(st.ann, lo+":"+h.ID)
			}
		}
		if st.count, err = rd.Count(ctx, "Patient"); err != nil {
			t.Fatal(err)
		}
		for r, err := range rd.ScanType(ctx, "Patient", "") {
			if err != nil {
				t.Fatal(err)
			}
			st.ids = append(st.ids, r.ID)
		}
		if st.counted, err = rd.(interface {
			CountIndex(context.Context, IndexQuery) (int64, error)
		}).CountIndex(ctx, IndexQuery{Type: "Patient", Param: "name"}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	then, now := read(v), read(s)
	want := state{aVersion: 1, ann: []string{"~ann:a"}, count: 2, ids: []string{"a", "b"}, counted: 2}
	if !reflect.DeepEqual(then, want) {
		t.Errorf("the View reads %+v, want %+v", then, want)
	}
	wantNow := state{aVersion: 2, bDeleted: true, cFound: true, ann: []string{"~ann:c", "nann:a"}, count: 2, ids: []string{"a", "c"}, counted: 3}
	if !reflect.DeepEqual(now, wantNow) {
		t.Errorf("the store reads %+v, want %+v", now, wantNow)
	}

	// The View's Loader reads the View's state, and finds nothing written
	// since (a Loader of the store would).
	g, closeGetter := NewGetter(v)
	done := sync.OnceFunc(closeGetter)
	t.Cleanup(done) // before the View's
	if _, ok := g.(*Loader); !ok {
		t.Fatalf("NewGetter(View) is a %T", g)
	}
	if a, err := g.Get(ctx, "Patient", "a"); err != nil || a.VersionID != 1 {
		t.Errorf("loader: a %+v %v, want version 1", a, err)
	}
	if b, err := g.Get(ctx, "Patient", "b"); err != nil || b.Deleted {
		t.Errorf("loader: b %+v %v, want it live", b, err)
	}
	if _, err := g.Get(ctx, "Patient", "c"); !errors.Is(err, ErrNotFound) {
		t.Errorf("loader: c %v, want ErrNotFound", err)
	}

	done()
	if err := closeView(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.View(); !errors.Is(err, ErrClosed) {
		t.Errorf("View of a closed store: %v, want ErrClosed", err)
	}
}
