package search

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// walkPages follows next links from the first page, then previous links
// back from the last, and fails unless both walks show want, page for page.
// It returns how many pages the streaming paths answered going forward and
// going back.
func walkPages(t *testing.T, f *fixture, req Request, want []string) (forward, back int) {
	t.Helper()
	ctx := context.Background()
	types, err := f.e.searchTypes(req)
	if err != nil {
		t.Fatal(err)
	}
	streams := func(cur string) bool {
		var c *cursor
		if cur != "" {
			cc, _ := decodeCursor(cur)
			c = &cc
		}
		kept, qs, _, _ := f.e.parseForTypes(types, req.Params)
		_, ok, _ := f.e.streamPage(ctx, f.store, kept, qs, req.Compartment, c, &Result{})
		return ok
	}
	var pages [][]string
	var prevs []string
	cur := ""
	for i := 0; i < 200; i++ {
		if streams(cur) {
			forward++
		}
		req.Cursor = cur
		res, err := f.e.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if req.Params.Get("_total") == "accurate" && res.Total != len(want) {
			t.Fatalf("total %d, want %d", res.Total, len(want))
		}
		pages = append(pages, names(res))
		prevs = append(prevs, res.Prev)
		if cur = res.Next; cur == "" {
			break
		}
	}
	if got := slices.Concat(pages...); !slices.Equal(got, want) {
		t.Fatalf("paged %v\nwant  %v", got, want)
	}
	for i := len(pages) - 1; i > 0; i-- {
		if streams(prevs[i]) {
			back++
		}
		req.Cursor = prevs[i]
		res, err := f.e.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names(res), pages[i-1]) {
			t.Fatalf("prev of page %d = %v, want %v", i, names(res), pages[i-1])
		}
		if (i > 1) != (res.Prev != "") || res.Next == "" {
			t.Fatalf("prev of page %d: links prev %q next %q", i, res.Prev, res.Next)
		}
		if i > 1 {
			prevs[i-1] = res.Prev // walk on with the links the previous pages give
		}
	}
	return forward, back
}

// materialised returns the order of the materialising path.
func materialised(t *testing.T, f *fixture, req Request) []string {
	t.Helper()
	types, err := f.e.searchTypes(req)
	if err != nil {
		t.Fatal(err)
	}
	kept, qs, _, err := f.e.parseForTypes(types, req.Params)
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := f.e.allHits(context.Background(), f.store, kept, qs, req.Compartment)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, h := range all {
		want = append(want, h.typ+"/"+h.id)
	}
	return want
}

// TestCompartmentStreamsAcrossTypes pages Patient/p1/* one resource at a
// time on the streaming path and compares with the materialised order
// (type, then id): the focus itself and the resources referring to it.
func TestCompartmentStreamsAcrossTypes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	req := Request{Compartment: &CompartmentRef{Type: "Patient", ID: "p1"}, Params: url.Values{"_count": {"1"}}}
	want := materialised(t, f, req)
	if !slices.Equal(want, []string{"Observation/o1", "Patient/p1"}) {
		t.Fatalf("materialised %v", want)
	}
	if forward, _ := walkPages(t, f, req, want); forward != len(want) {
		t.Fatalf("%d of %d pages streamed", forward, len(want))
	}
}
