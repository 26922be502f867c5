package search

import (
	"slices"
	"testing"
)

func TestCompareHits(t *testing.T) {
	k := func(s string) []byte { return []byte(s) }
	hits := []hit{
		{typ: "P", id: "1", keys: [][]byte{k("b"), k("x")}},
		{typ: "P", id: "2", keys: [][]byte{nil, k("x")}},
		{typ: "P", id: "3", keys: [][]byte{k("a"), k("y")}},
		{typ: "P", id: "4", keys: [][]byte{k("b"), k("w")}},
		{typ: "P", id: "5", keys: [][]byte{k("b"), k("w")}},
	}
	order := func(keys []sortKey) []string {
		hs := slices.Clone(hits)
		sortHits(hs, keys)
		var out []string
		for _, h := range hs {
			out = append(out, h.id)
		}
		return out
	}
	if got := order([]sortKey{{code: "a"}, {code: "b"}}); !slices.Equal(got, []string{"3", "4", "5", "1", "2"}) {
		t.Errorf("asc,asc = %v", got)
	}
	// Missing values last in both directions; ties by id the first key's way.
	if got := order([]sortKey{{code: "a", desc: true}, {code: "b"}}); !slices.Equal(got, []string{"5", "4", "1", "3", "2"}) {
		t.Errorf("desc,asc = %v", got)
	}
}
