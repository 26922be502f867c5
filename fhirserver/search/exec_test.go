package search

import (
	"slices"
	"testing"
)

func TestSetOperations(t *testing.T) {
	a := newIDSet([]string{"c", "a", "b", "a", "e"})
	b := newIDSet([]string{"b", "e", "f"})
	if !slices.Equal(a, idSet{"a", "b", "c", "e"}) {
		t.Fatalf("newIDSet = %v", a)
	}
	if got := intersect(a, b); !slices.Equal(got, idSet{"b", "e"}) {
		t.Errorf("intersect = %v", got)
	}
	if got := subtract(a, b); !slices.Equal(got, idSet{"a", "c"}) {
		t.Errorf("subtract = %v", got)
	}
	if got := intersect(a, nil); len(got) != 0 {
		t.Errorf("intersect with empty = %v", got)
	}
	if !a.contains("c") || a.contains("d") {
		t.Errorf("contains is wrong")
	}
}
