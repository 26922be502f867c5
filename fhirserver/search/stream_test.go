package search

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestStreamedPagesEqualMaterialised runs queries the streaming paths take
// and compares every page with the same page cut from the materialised,
// sorted match list, following next cursors to the end and previous ones
// back.
func TestStreamedPagesEqualMaterialised(t *testing.T) {
	f := loadExamples(t, defs.R4)
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
		"_sort=given", // several given names: least and greatest in two runs
		"_sort=-given",
		"gender=male&_sort=-name",
	}
	for _, qs := range queries {
		typ := "Patient"
		if qs == "subject=Patient/example" {
			typ = "Observation"
		}
		t.Run(typ+"?"+qs, func(t *testing.T) {
			params, _ := url.ParseQuery(qs)
			params.Set("_count", "3")
			req := Request{ResourceType: typ, Params: params}
			if forward, _ := walkPages(t, f, req, materialised(t, f, req)); forward == 0 {
				t.Fatalf("no page took the streaming path")
			}
		})
	}
}

// TestSortMixesOneAndSeveralValues: a resource whose values sort alike
// has one sort entry, one whose values differ two (sortTags); both kinds
// are in one order, ascending by the least value and descending by the
// greatest, ties by id, on every page in both directions.
func TestSortMixesOneAndSeveralValues(t *testing.T) {
	f := smallStore(t, defs.R4,
		`{"resourceType":"Patient","id":"a","name":[{"given":["Bob"]}]}`,
		`{"resourceType":"Patient","id":"b","name":[{"given":["Ann","Zed"]}]}`,
		`{"resourceType":"Patient","id":"c","name":[{"given":["Cat"]},{"given":["cat"]}]}`,
		`{"resourceType":"Patient","id":"d","name":[{"given":["Ann"]}]}`,
		`{"resourceType":"Patient","id":"e"}`,
		`{"resourceType":"Patient","id":"f","name":[{"given":["Dan","Bea"]}]}`,
	)
	// Presence is either kind of entry.
	expect(t, f, "Patient", "given:missing=false", "Patient/a", "Patient/b", "Patient/c", "Patient/d", "Patient/f")
	expect(t, f, "Patient", "given:missing=true", "Patient/e")
	for sortBy, want := range map[string][]string{
		"given":  {"b", "d", "f", "a", "c", "e"},
		"-given": {"b", "f", "c", "a", "d", "e"},
	} {
		for _, count := range []string{"1", "2", "4"} {
			req := Request{ResourceType: "Patient", Params: url.Values{"_sort": {sortBy}, "_count": {count}}}
			var ids []string
			for _, id := range want {
				ids = append(ids, "Patient/"+id)
			}
			if got := materialised(t, f, req); !slices.Equal(got, ids) {
				t.Errorf("_sort=%s materialised %v, want %v", sortBy, got, ids)
			}
			if forward, _ := walkPages(t, f, req, ids); forward == 0 {
				t.Errorf("_sort=%s: no page streamed", sortBy)
			}
		}
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
		all, _, err := f.e.allHits(ctx, f.store, kept, queries, nil)
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

// hitCountingReader counts the index entries each parameter's scans yield.
type hitCountingReader struct {
	storage.Reader
	hits map[string]int
}

func (r hitCountingReader) ScanIndex(ctx context.Context, q storage.IndexQuery) iter.Seq2[storage.IndexHit, error] {
	return func(yield func(storage.IndexHit, error) bool) {
		for h, err := range r.Reader.ScanIndex(ctx, q) {
			r.hits[q.Param]++
			if !yield(h, err) {
				return
			}
		}
	}
}

// TestSortedFilterChecksPerHit: a date sort with a filter most resources
// pass walks the sort entries and checks the filter per entry, reading
// about a page of each index instead of the filter's whole id set; a rare
// filter falls back to the set after maxSortProbes entries. Both page
// exactly like the materialised order.
func TestSortedFilterChecksPerHit(t *testing.T) {
	var res []string
	for i := range maxSortProbes + 150 {
		gender := "male"
		if i%100 == 0 {
			gender = "female"
		}
		res = append(res, fmt.Sprintf(`{"resourceType":"Patient","id":"p%03d","gender":"%s","birthDate":"%04d-01-01"}`, i, gender, 1600+(i*7)%400))
	}
	f := smallStore(t, defs.R4, res...)
	ctx := context.Background()
	for _, tc := range []struct {
		query   string
		maxRead int // index entries of gender read for the first page
	}{
		{"gender=male&_sort=-birthdate&_count=10", 22}, // a page (and the few females passed over), not the 400 males
		{"gender=male&_sort=birthdate&_count=10", 22},
		{"gender=female&_sort=-birthdate&_count=2", len(res)},
	} {
		t.Run(tc.query, func(t *testing.T) {
			params, _ := url.ParseQuery(tc.query)
			q, err := f.e.parseQuery("Patient", params)
			if err != nil {
				t.Fatal(err)
			}
			all, _, err := f.e.allHits(ctx, f.store, []string{"Patient"}, map[string]*query{"Patient": q}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, h := range all {
				want = append(want, h.typ+"/"+h.id)
			}
			var got []string
			cur := ""
			for page := 0; page < 100; page++ {
				rd := hitCountingReader{Reader: f.store, hits: map[string]int{}}
				r, err := f.e.search(ctx, rd, Request{ResourceType: "Patient", Params: params, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				if page == 0 && rd.hits["gender"] > tc.maxRead {
					t.Errorf("first page read %d gender entries, want at most %d", rd.hits["gender"], tc.maxRead)
				}
				got = append(got, names(r)...)
				if cur = r.Next; cur == "" {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("paged %v\nwant  %v", got, want)
			}
		})
	}
}
