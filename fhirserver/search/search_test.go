package search

import (
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
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
