package search

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestIncludes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	expect(t, f, "Observation", "_id=o1&_include=Observation:subject", "Observation/o1", "+Patient/p1")
	expect(t, f, "Observation", "_id=o1&_include=Observation:subject:Group", "Observation/o1")
	expect(t, f, "Observation", "_id=o2&_include=Observation:has-member&_include:iterate=Observation:subject",
		"Observation/o2", "+Observation/o1", "+Patient/p2", "+Patient/p1")
	expect(t, f, "Observation", "_id=o2&_include=Observation:*", "Observation/o2", "+Observation/o1", "+Patient/p2")
	expect(t, f, "Observation", "_id=o1&_include=*", "Observation/o1", "+Patient/p1")
	expect(t, f, "Patient", "_id=p1&_revinclude=Observation:subject", "Patient/p1", "+Observation/o1")
	expect(t, f, "Patient", "_id=p1&_revinclude=Observation:subject&_revinclude:iterate=Provenance:target",
		"Patient/p1", "+Observation/o1", "+Provenance/prov1")
	expect(t, f, "Patient", "_id=p1&_include=Patient:organization&_include:iterate=Patient:general-practitioner",
		"Patient/p1", "+Organization/org1", "+Practitioner/dr1")
	// _revinclude=*: everything that references p1 (o1 through subject and
	// patient, which is the same resource once).
	expect(t, f, "Patient", "_id=p1&_revinclude=*", "Patient/p1", "+Observation/o1")
	expect(t, f, "Observation", "_id=o1&_revinclude=*", "Observation/o1", "+Observation/o2", "+Provenance/prov1")
	// A missing target (Group/g1 was never written) is left out quietly.
	expect(t, f, "Observation", "_id=o3&_include=Observation:subject", "Observation/o3")
}

// hitCounter is a store that counts the index scans and entries the engine reads.
type hitCounter struct {
	storage.Reader
	hits, scans int
}

func (c *hitCounter) ScanIndex(ctx context.Context, q storage.IndexQuery) iter.Seq2[storage.IndexHit, error] {
	c.scans++
	return func(yield func(storage.IndexHit, error) bool) {
		for h, err := range c.Reader.ScanIndex(ctx, q) {
			c.hits++
			if !yield(h, err) {
				return
			}
		}
	}
}

// TestIncludeCap: a page holds at most MaxIncludes included resources; the
// work stops at the first one past the cap (instead of reading every
// referrer and cutting afterwards), and the Bundle says so with a
// too-costly warning. Below the cap nothing is said.
func TestIncludeCap(t *testing.T) {
	world := []string{`{"resourceType":"Patient","id":"p"}`}
	for i := range 20 {
		world = append(world, fmt.Sprintf(`{"resourceType":"Observation","id":"o%02d","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p"}}`, i))
	}
	f := smallStore(t, defs.R4, world...)
	e, err := NewEngine(defs.R4, f.store, Options{BaseURL: testBase, MaxIncludes: 3})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query    string
		included int
		capped   bool
	}{
		{"_id=p&_revinclude=Observation:subject", 3, true},
		{"_id=p&_revinclude=*", 3, true},
		{"_id=o00,o01&_include=Observation:subject", 1, false},
		{"_id=o00,o01,o02&_include=Observation:subject&_revinclude:iterate=Observation:subject", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			params, _ := url.ParseQuery(tt.query)
			rd := &hitCounter{Reader: f.store}
			typ := "Patient"
			if strings.Contains(tt.query, "_id=o") {
				typ = "Observation"
			}
			res, err := e.search(context.Background(), rd, Request{ResourceType: typ, Params: params})
			if err != nil {
				t.Fatal(err)
			}
			included := 0
			for _, en := range res.Entries {
				if en.Mode == "include" {
					included++
				}
			}
			warned := len(res.Warnings) == 1 && res.Warnings[0].Code == outcome.CodeTooCostly
			if included != tt.included || warned != tt.capped || (!tt.capped && len(res.Warnings) != 0) {
				t.Fatalf("%d included, warnings %v; want %d, capped %v", included, res.Warnings, tt.included, tt.capped)
			}
			// The matches' own entries plus a few referrers, not all 20.
			if tt.capped && rd.hits > 15 {
				t.Errorf("read %d index entries: the scan went on past the cap", rd.hits)
			}
		})
	}
}

// patientsWithOneObservation is n Patients and one Observation of p0000.
func patientsWithOneObservation(n int) []string {
	world := []string{`{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p0000"}}`}
	for i := range n {
		world = append(world, fmt.Sprintf(`{"resourceType":"Patient","id":"p%04d"}`, i))
	}
	return world
}

// TestRevincludeStarProbesOncePerParameter: _revinclude=* over a page of
// Patients asks each reference parameter that may point at Patient once
// whether it points at any Patient, and scans per Patient only those that
// do — not every parameter for every Patient (150,000 scans for a page of
// 1000 in R4, most of them of parameters that index nothing).
func TestRevincludeStarProbesOncePerParameter(t *testing.T) {
	const n = 50
	f := smallStore(t, defs.R4, patientsWithOneObservation(n)...)
	params := 0
	for _, src := range f.e.reg.referrers("Patient") {
		params += len(src.params)
	}
	rd := &hitCounter{Reader: f.store}
	q, _ := url.ParseQuery(fmt.Sprintf("_count=%d&_revinclude=*", n))
	res, err := f.e.search(context.Background(), rd, Request{ResourceType: "Patient", Params: q})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != n+1 || res.Entries[n].Record.ID != "o" {
		t.Fatalf("%d entries, want %d Patients and Observation/o", len(res.Entries), n)
	}
	if rd.scans > params+n*5 {
		t.Errorf("%d index scans for %d Patients and %d parameters that may point at them", rd.scans, n, params)
	}
}

// BenchmarkRevincludeStarPage is Patient?_count=1000&_revinclude=* over
// 1000 Patients of which one is referenced.
func BenchmarkRevincludeStarPage(b *testing.B) {
	f := smallStore(b, defs.R4, patientsWithOneObservation(1000)...)
	q, _ := url.ParseQuery("_count=1000&_revinclude=*")
	for b.Loop() {
		res, err := f.e.Search(context.Background(), Request{ResourceType: "Patient", Params: q})
		if err != nil || len(res.Entries) != 1001 {
			b.Fatal(err, len(res.Entries))
		}
	}
}
