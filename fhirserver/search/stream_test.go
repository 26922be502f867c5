package search

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestStreamedPagesEqualMaterialised runs queries the streaming paths take
// and compares every page with the same page cut from the materialised,
// sorted match list, following next cursors to the end.
func TestStreamedPagesEqualMaterialised(t *testing.T) {
	f := loadExamples(t, defs.R4)
	ctx := context.Background()
	queries := []string{
		"",            // every resource by id
		"gender=male", // one exact token
		"gender=male&active=true",
		"gender=male,female", // an OR of exact values
		"gender=male,female&active=true,false",
		"subject=Patient/example", // on Observation below
		"_sort=birthdate",
		"_sort=-birthdate",
		"_sort=family", // several patients have no family: tail from the materialised path
		"gender=male&_sort=-birthdate",
		"active=true&_sort=family",
	}
	for _, qs := range queries {
		typ := "Patient"
		if qs == "subject=Patient/example" {
			typ = "Observation"
		}
		t.Run(typ+"?"+qs, func(t *testing.T) {
			params, _ := url.ParseQuery(qs)
			q, err := f.e.parseQuery(typ, params)
			if err != nil {
				t.Fatal(err)
			}
			all, err := f.e.allHits(ctx, f.store, []string{typ}, map[string]*query{typ: q}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, h := range all {
				want = append(want, h.typ+"/"+h.id)
			}
			params.Set("_count", "3")
			var got []string
			cur := ""
			streamedPages := 0
			for i := 0; i < 100; i++ {
				var c *cursor
				if cur != "" {
					cc, _ := decodeCursor(cur)
					c = &cc
				}
				pq, _ := f.e.parseQuery(typ, params)
				if _, ok, _ := f.e.streamPage(ctx, f.store, []string{typ}, map[string]*query{typ: pq}, nil, c, &Result{}); ok {
					streamedPages++
				}
				res, err := f.e.Search(ctx, Request{ResourceType: typ, Params: params, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, names(res)...)
				if cur = res.Next; cur == "" {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %v\nwant  %v", got, want)
			}
			if streamedPages == 0 {
				t.Fatalf("no page took the streaming path")
			}
		})
	}
}

func TestPredecessor(t *testing.T) {
	for _, x := range []string{"b", "ab", "a-1", "Z9"} {
		p, ok := predecessor(x)
		if !ok || p >= x {
			t.Fatalf("predecessor(%q) = %q, %v", x, p, ok)
		}
		// No valid id character can extend the prefix past p and stay below x.
		for _, c := range "-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" {
			y := x[:len(x)-1] + string(c)
			if y > p && y < x {
				t.Fatalf("%q lies between predecessor %q and %q", y, p, x)
			}
		}
	}
}

// TestSystemSearchStreamsAcrossTypes pages a multi-type search three at a
// time and compares with the materialised order (type, then id).
func TestSystemSearchStreamsAcrossTypes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	ctx := t.Context()
	types := []string{"Observation", "Organization", "Patient", "Practitioner", "Provenance"}
	for _, qs := range []string{"", "_id=o1,p1,dr1"} {
		params, _ := url.ParseQuery(qs)
		kept, queries, _, err := f.e.parseForTypes(types, params)
		if err != nil {
			t.Fatal(err)
		}
		all, err := f.e.allHits(ctx, f.store, kept, queries, nil)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, h := range all {
			want = append(want, h.typ+"/"+h.id)
		}
		params.Set("_count", "3")
		var got []string
		cur := ""
		for i := 0; i < 20; i++ {
			res, err := f.e.Search(ctx, Request{Types: types, Params: params, Cursor: cur})
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, names(res)...)
			if cur = res.Next; cur == "" {
				break
			}
		}
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%q: paged %v, want %v", qs, got, want)
		}
	}
}
