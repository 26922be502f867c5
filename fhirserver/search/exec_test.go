package search

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
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

// countingReader is a store that also counts index keys directly.
type countingReader struct {
	storage.Reader
	calls int
}

func (c *countingReader) CountIndex(ctx context.Context, q storage.IndexQuery) (int64, error) {
	c.calls++
	var n int64
	for _, err := range c.ScanIndex(ctx, q) {
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

func TestFastCountUsesIndexCounter(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	q, err := f.e.parseQuery("Observation", url.Values{"code": {"http://loinc.org|1-1"}})
	if err != nil {
		t.Fatal(err)
	}
	cr := &countingReader{Reader: f.store}
	n, ok, err := f.e.fastCount(t.Context(), cr, "Observation", q.clauses)
	if err != nil || !ok || n != 2 || cr.calls != 1 {
		t.Fatalf("fastCount = %d %v %v (CountIndex calls %d)", n, ok, err, cr.calls)
	}
	// Not exact (a string prefix): no shortcut.
	q, _ = f.e.parseQuery("Patient", url.Values{"family": {"sm"}})
	if _, ok, _ := f.e.fastCount(t.Context(), f.store, "Patient", q.clauses); ok {
		t.Errorf("a prefix clause took the counting shortcut")
	}
}
