package search

import (
	"slices"
	"testing"
)

func TestPageCursorsPositionNotOffset(t *testing.T) {
	hits := []hit{{typ: "P", id: "a"}, {typ: "P", id: "b"}, {typ: "P", id: "c"}, {typ: "P", id: "d"}, {typ: "P", id: "e"}}
	ids := func(hs []hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.id)
		}
		return out
	}
	first, next, prev := page(hits, nil, nil, 2)
	if !slices.Equal(ids(first), []string{"a", "b"}) || next == "" || prev != "" {
		t.Fatalf("first page %v next %q prev %q", ids(first), next, prev)
	}
	cur, err := decodeCursor(next)
	if err != nil {
		t.Fatal(err)
	}
	// "a" is deleted and "b2" created before the next page: the position
	// after "b" still gives "b2", "c" and nothing is repeated.
	changed := []hit{{typ: "P", id: "b"}, {typ: "P", id: "b2"}, {typ: "P", id: "c"}, {typ: "P", id: "d"}, {typ: "P", id: "e"}}
	second, next2, prev2 := page(changed, nil, &cur, 2)
	if !slices.Equal(ids(second), []string{"b2", "c"}) || next2 == "" || prev2 == "" {
		t.Fatalf("second page %v next %q prev %q", ids(second), next2, prev2)
	}
	back, _ := decodeCursor(prev2)
	before, _, _ := page(changed, nil, &back, 2)
	if !slices.Equal(ids(before), []string{"b"}) {
		t.Fatalf("previous page %v", ids(before))
	}
	last, _ := decodeCursor(next2)
	if tail, n, _ := page(changed, nil, &last, 2); !slices.Equal(ids(tail), []string{"d", "e"}) || n != "" {
		t.Fatalf("last page %v next %q", ids(tail), n)
	}
}

func TestDecodeCursorRejectsGarbage(t *testing.T) {
	for _, s := range []string{"", "!!", "e30", cursor{}.encode()} {
		if _, err := decodeCursor(s); err == nil {
			t.Errorf("cursor %q accepted", s)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(cursor{ID: "x", Keys: [][]byte{{1, 2}}}.encode())
	f.Add("e30")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err == nil && c.ID == "" {
			t.Fatalf("accepted a cursor without id")
		}
	})
}
