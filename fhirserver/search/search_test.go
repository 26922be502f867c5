package search

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestSearchTotalsAndModes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	cases := []struct {
		query string
		total int
		count bool
	}{
		{"code=1-1", -1, false},
		{"code=1-1&_total=none", -1, false},
		{"code=1-1&_total=accurate", 2, false},
		{"code=1-1&_total=estimate", 2, false},
		{"status=final&code=1-1&_total=accurate", 1, false},
		{"code=1-1&_summary=count", 2, true},
		{"_summary=count", 3, true},
		{"code:not=1-1&_summary=count", 1, true},
		{"date=ge2020&_summary=count", 2, true},
		{"date:missing=true&_summary=count", 1, true},
		{"_id=o1,o2,o3&_count=1&_total=accurate", 3, false},
	}
	for _, c := range cases {
		params, _ := url.ParseQuery(c.query)
		res := searchReq(t, f, Request{ResourceType: "Observation", Params: params})
		if res.Total != c.total || res.SummaryCount != c.count {
			t.Errorf("%s: total %d summary %v, want %d %v", c.query, res.Total, res.SummaryCount, c.total, c.count)
		}
		if c.count && len(res.Entries) != 0 {
			t.Errorf("%s: _summary=count returned entries", c.query)
		}
		for _, en := range res.Entries {
			if en.Mode != "match" {
				t.Errorf("%s: mode %q", c.query, en.Mode)
			}
		}
	}
}

func TestSystemSearch(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	res := searchReq(t, f, Request{Types: []string{"Patient", "Organization"}, Params: url.Values{"_count": {"2"}}})
	if got := names(res); len(got) != 2 || got[0] != "Organization/org1" || got[1] != "Organization/org2" || res.Next == "" {
		t.Fatalf("first page %v next %q", got, res.Next)
	}
	if res.Self.Get("_type") != "Organization,Patient" && res.Self.Get("_type") != "Patient,Organization" {
		t.Errorf("self %v", res.Self)
	}
	res = searchReq(t, f, Request{Types: []string{"Patient", "Organization"}, Params: url.Values{"_count": {"2"}}, Cursor: res.Next})
	if got := names(res); len(got) != 2 || got[0] != "Patient/p1" || got[1] != "Patient/p2" {
		t.Fatalf("second page %v", got)
	}
	// Every type without _type.
	res = searchReq(t, f, Request{Params: url.Values{"_id": {"dr1"}}})
	if got := names(res); len(got) != 1 || got[0] != "Practitioner/dr1" {
		t.Errorf("all types: %v", got)
	}
}

// TestIndexFollowsUpdatesAndDeletes: an update replaces a resource's
// entries and a delete removes them, in the same write as the version.
func TestIndexFollowsUpdatesAndDeletes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	ctx := t.Context()
	put := func(js string) {
		res, err := fhirjson.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		entries, err := f.e.IndexEntries(res.Str("resourceType"), res)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Write(ctx, func(tx *storage.Tx) error {
			_, err := tx.Put(storage.Put{Type: res.Str("resourceType"), ID: res.Str("id"), JSON: []byte(js), Index: entries})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(`{"resourceType":"Patient","id":"p1","name":[{"family":"Brown"}]}`)
	expect(t, f, "Patient", "family=smith")
	expect(t, f, "Patient", "family=brown", "Patient/p1")
	expect(t, f, "Patient", "organization=Organization/org1")
	if _, err := f.store.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.Delete(storage.Delete{Type: "Patient", ID: "p2"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	expect(t, f, "Patient", "family=jones")
	expect(t, f, "Patient", "", "Patient/p1")
	expect(t, f, "Patient", "_sort=family", "Patient/p1")
	if res := searchReq(t, f, Request{ResourceType: "Patient", Params: url.Values{"_summary": {"count"}}}); res.Total != 1 {
		t.Errorf("count after delete = %d", res.Total)
	}
	expect(t, f, "Observation", "subject:Patient.family=jones")
}

// TestSystemSearchParameterOfSomeTypes: a filter only some types know
// leaves the other types out instead of being ignored for them.
func TestSystemSearchParameterOfSomeTypes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	res := searchReq(t, f, Request{Types: []string{"Observation", "Patient", "Organization"}, Params: url.Values{"family": {"smith"}}})
	if got := names(res); len(got) != 1 || got[0] != "Patient/p1" || len(res.Warnings) != 0 {
		t.Fatalf("family=smith across types = %v (warnings %v)", got, res.Warnings)
	}
	res = searchReq(t, f, Request{Types: []string{"Observation", "Patient"}, Params: url.Values{"family": {"smith"}, "_summary": {"count"}}})
	if res.Total != 1 {
		t.Errorf("count = %d, want 1", res.Total)
	}
	// Known to no type: ignored with a warning, every resource matches.
	res = searchReq(t, f, Request{Types: []string{"Observation", "Patient"}, Params: url.Values{"nosuch": {"x"}, "_summary": {"count"}}})
	if res.Total != 5 || len(res.Warnings) != 1 {
		t.Errorf("unknown everywhere: total %d warnings %v", res.Total, res.Warnings)
	}
	if _, err := f.e.Search(t.Context(), Request{Compartment: &CompartmentRef{Type: "Nope", ID: "1"}}); err == nil {
		t.Errorf("unknown compartment accepted in a system search")
	}
}

// FuzzSearch runs arbitrary queries (and cursors) against a small store:
// nothing may panic, and every failure is a 4xx OperationOutcome.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"code=1-1&_sort=-date&_count=1", "subject:Patient.family=smith&_include=Observation:subject",
		"_has:Observation:patient:code=1-1", "date=ap2020&_total=accurate", "code:not=1-1,2-2",
		"_id=o1&_revinclude:iterate=Provenance:target", "value-quantity=lt5||mg", "_summary=count&status=final",
	} {
		f.Add("Observation", s, "")
	}
	f.Add("Patient", "_count=1", cursor{ID: "p1", Keys: [][]byte{{1}}}.encode())
	fx := smallStore(f, defs.R4, chainWorld...)
	f.Fuzz(func(t *testing.T, typ, query, cur string) {
		params, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		_, err = fx.e.Search(t.Context(), Request{ResourceType: typ, Params: params, Cursor: cur})
		if err != nil {
			if oe, ok := outcome.As(err); !ok || oe.Status >= 500 {
				t.Fatalf("%s?%s (cursor %q): %v", typ, query, cur, err)
			}
		}
	})
}

// TestConcurrentSearchesAndWrites: one engine serves searches from several
// goroutines while another writes (run with -race to check the engine
// shares nothing mutable).
func TestConcurrentSearchesAndWrites(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	ctx := t.Context()
	done := make(chan error, 5)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 30; i++ {
				for _, q := range []string{"code=1-1", "subject:Patient.family=smith&_include=Observation:subject", "_sort=-date&_count=1", "_summary=count"} {
					params, _ := url.ParseQuery(q)
					if _, err := f.e.Search(ctx, Request{ResourceType: "Observation", Params: params}); err != nil {
						done <- err
						return
					}
				}
			}
			done <- nil
		}()
	}
	go func() {
		for i := 0; i < 30; i++ {
			res, _ := fhirjson.Parse(fmt.Appendf(nil, `{"resourceType":"Observation","id":"w%d","status":"final","code":{"coding":[{"code":"1-1"}]},"effectiveDateTime":"2022-01-01"}`, i))
			entries, err := f.e.IndexEntries("Observation", res)
			if err == nil {
				_, err = f.store.Write(ctx, func(tx *storage.Tx) error {
					_, err := tx.Put(storage.Put{Type: "Observation", ID: res.Str("id"), JSON: fhirjson.Marshal(res), Index: entries})
					return err
				})
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 5; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if res := searchReq(t, f, Request{ResourceType: "Observation", Params: url.Values{"code": {"1-1"}, "_summary": {"count"}}}); res.Total != 32 {
		t.Errorf("count after writes = %d, want 32", res.Total)
	}
}
