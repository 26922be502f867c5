package e2e

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Issue 4's query language, spot-checked over HTTP on a small fixed data set:
// each parameter type with its modifiers and prefixes, chaining, _has,
// includes with :iterate, sorting, totals, paging, the self link, strict
// handling, compartments and system search.

// searchFixture loads the data set with one transaction and returns the
// server ids by fixture name.
func searchFixture(t *testing.T, cs *contractServer) map[string]string {
	t.Helper()
	tx := `{"resourceType":"Bundle","type":"transaction","entry":[
	{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000a","request":{"method":"POST","url":"Organization"},
	 "resource":{"resourceType":"Organization","name":"Acme Health"}},
	{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000b","request":{"method":"POST","url":"Patient"},
	 "resource":{"resourceType":"Patient","identifier":[{"system":"http://ex/mrn","value":"M1"}],"name":[{"family":"Müller","given":["Anna"]}],
	  "gender":"female","birthDate":"1980-05-17","managingOrganization":{"reference":"urn:uuid:00000000-0000-0000-0000-00000000000a"}}},
	{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000c","request":{"method":"POST","url":"Patient"},
	 "resource":{"resourceType":"Patient","identifier":[{"system":"http://ex/mrn","value":"M2"}],"name":[{"family":"Mueller","given":["Bert"]}],
	  "gender":"male","birthDate":"1975"}},
	{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000d","request":{"method":"POST","url":"Observation"},
	 "resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}]},
	  "subject":{"reference":"urn:uuid:00000000-0000-0000-0000-00000000000b"},"effectiveDateTime":"2024-03-01T10:00:00Z",
	  "valueQuantity":{"value":72,"system":"http://unitsofmeasure.org","code":"/min"}}},
	{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000e","request":{"method":"POST","url":"Observation"},
	 "resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
	  "subject":{"reference":"urn:uuid:00000000-0000-0000-0000-00000000000c"},"effectiveDateTime":"2024-04-01",
	  "valueQuantity":{"value":90.5,"system":"http://unitsofmeasure.org","code":"/min"}}},
	{"fullUrl":"urn:uuid:00000000-0000-0000-0000-00000000000f","request":{"method":"POST","url":"Observation"},
	 "resource":{"resourceType":"Observation","status":"preliminary","code":{"coding":[{"system":"http://loinc.org","code":"2345-7"}]},
	  "subject":{"reference":"urn:uuid:00000000-0000-0000-0000-00000000000b"},"effectiveDateTime":"2023-01-01"}}
	]}`
	r := cs.call(t, "POST", "", tx, nil)
	if r.Status != 200 {
		t.Fatalf("fixture transaction: %d %s", r.Status, r.Body)
	}
	names := []string{"org", "anna", "bert", "hr72", "hr90", "chem"}
	ids := map[string]string{}
	for i, e := range jsonOf(t, r)["entry"].([]any) {
		res := e.(map[string]any)["resource"].(map[string]any)
		ids[names[i]] = res["resourceType"].(string) + "/" + res["id"].(string)
	}
	return ids
}

func TestContractSearch(t *testing.T) {
	for _, version := range []string{"R4", "STU3"} {
		t.Run(version, func(t *testing.T) { searchContract(t, version) })
	}
}

func searchContract(t *testing.T, version string) {
	cs := startContract(t, version)
	ids := searchFixture(t, cs)
	anna := strings.TrimPrefix(ids["anna"], "Patient/")
	cases := []struct {
		query   string
		match   []string // fixture names of the matches, any order
		include []string // fixture names with search.mode include
	}{
		// string: starts-with, case- and accent-insensitive; :exact; :contains
		{"Patient?name=mul", []string{"anna"}, nil},
		{"Patient?family=MULLER", []string{"anna"}, nil},
		{"Patient?name=MUEL", []string{"bert"}, nil},
		{"Patient?family:exact=Müller", []string{"anna"}, nil},
		{"Patient?family:exact=muller", nil, nil},
		{"Patient?name:contains=ell", []string{"bert"}, nil},
		// token
		{"Patient?identifier=http://ex/mrn|M1", []string{"anna"}, nil},
		{"Patient?identifier=M2", []string{"bert"}, nil},
		{"Patient?identifier=|M1", nil, nil},
		{"Patient?identifier=http://ex/mrn|", []string{"anna", "bert"}, nil},
		{"Patient?gender:not=male", []string{"anna"}, nil},
		{"Observation?code:text=heart", []string{"hr72"}, nil},
		{"Observation?subject:missing=true", nil, nil},
		// reference: Type/id, id, absolute URL of this server
		{"Observation?subject=" + ids["anna"], []string{"hr72", "chem"}, nil},
		{"Observation?subject=" + anna, []string{"hr72", "chem"}, nil},
		{"Observation?subject=" + url.QueryEscape(cs.srv.Base+"/fhir/"+ids["anna"]), []string{"hr72", "chem"}, nil},
		// date prefixes and implicit ranges
		{"Patient?birthdate=1980", []string{"anna"}, nil},
		{"Patient?birthdate=ge1976", []string{"anna"}, nil},
		{"Patient?birthdate=sa1975-06-01", []string{"anna"}, nil},
		{"Patient?birthdate=eb1976", []string{"bert"}, nil},
		{"Patient?birthdate=lt2000&birthdate=gt1979", []string{"anna"}, nil},
		{"Observation?date=2024-03", []string{"hr72"}, nil},
		// quantity: precision-based equality, value|system|code
		{"Observation?value-quantity=72", []string{"hr72"}, nil},
		{"Observation?value-quantity=90", nil, nil},
		{"Observation?value-quantity=90.5", []string{"hr90"}, nil},
		{"Observation?value-quantity=gt80|http://unitsofmeasure.org|/min", []string{"hr90"}, nil},
		// composite
		{"Observation?code-value-quantity=http://loinc.org|8867-4$gt80", []string{"hr90"}, nil},
		// OR and AND
		{"Observation?status=final,preliminary&code=2345-7", []string{"chem"}, nil},
		{"Patient?_id=" + anna, []string{"anna"}, nil},
		// chaining, reverse chaining
		{"Observation?subject:Patient.name=anna", []string{"hr72", "chem"}, nil},
		{"Observation?patient.organization.name=acme", []string{"hr72", "chem"}, nil},
		{"Patient?_has:Observation:subject:code=2345-7", []string{"anna"}, nil},
		// includes
		{"Observation?code=8867-4&_include=Observation:subject", []string{"hr72", "hr90"}, []string{"anna", "bert"}},
		{"Observation?code=8867-4&_include=Observation:subject&_include:iterate=Patient:organization", []string{"hr72", "hr90"}, []string{"anna", "bert", "org"}},
		{"Patient?gender=female&_revinclude=Observation:subject", []string{"anna"}, []string{"hr72", "chem"}},
		{"Organization?_revinclude=Patient:organization&_revinclude:iterate=Observation:patient", []string{"org"}, []string{"anna", "hr72", "chem"}},
		// compartment and system search
		{"Patient/" + anna + "/Observation", []string{"hr72", "chem"}, nil},
		{"Patient/" + anna + "/Observation?code=2345-7", []string{"chem"}, nil},
		{"?_type=Organization,Patient&gender=male", []string{"bert"}, nil},
	}
	name := map[string]string{}
	for k, v := range ids {
		name[v] = k
	}
	names := func(refs []string) []string {
		var out []string
		for _, r := range refs {
			out = append(out, name[r])
		}
		return out
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			path := "/" + tc.query
			if strings.HasPrefix(tc.query, "?") {
				path = tc.query
			}
			r := cs.call(t, "GET", path, "", nil)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			b := jsonOf(t, r)
			if b["type"] != "searchset" {
				t.Fatalf("Bundle.type %v", b["type"])
			}
			if got := names(bundleIDs(t, b, "match")); !sameSet(got, tc.match) {
				t.Errorf("matches %v, want %v", got, tc.match)
			}
			if got := names(bundleIDs(t, b, "include")); !sameSet(got, tc.include) {
				t.Errorf("includes %v, want %v", got, tc.include)
			}
		})
	}

	t.Run("sort on several keys", func(t *testing.T) {
		b := jsonOf(t, cs.call(t, "GET", "/Observation?_sort=-date,_id", "", nil))
		if got := names(bundleIDs(t, b, "match")); !slices.Equal(got, []string{"hr90", "hr72", "chem"}) {
			t.Fatalf("order %v, want hr90 hr72 chem", got)
		}
		b = jsonOf(t, cs.call(t, "GET", "/Observation?_sort=status,-value-quantity", "", nil))
		if got := names(bundleIDs(t, b, "match")); !slices.Equal(got, []string{"hr90", "hr72", "chem"}) {
			t.Fatalf("order %v, want hr90 hr72 chem", got)
		}
	})
	t.Run("totals", func(t *testing.T) {
		cases := []struct {
			query string
			total any
			n     int
		}{
			{"/Observation?_summary=count", float64(3), 0},
			{"/Observation?_total=accurate&_count=1", float64(3), 1},
			{"/Observation?_count=1", nil, 1},
			{"/Observation?_total=none&_count=1", nil, 1},
		}
		for _, tc := range cases {
			b := jsonOf(t, cs.call(t, "GET", tc.query, "", nil))
			entries, _ := b["entry"].([]any)
			if b["total"] != tc.total || len(entries) != tc.n {
				t.Errorf("%s: total %v entries %d, want %v %d", tc.query, b["total"], len(entries), tc.total, tc.n)
			}
		}
		b := jsonOf(t, cs.call(t, "GET", "/Observation?_total=estimate", "", nil))
		if _, ok := b["total"].(float64); !ok {
			t.Errorf("_total=estimate gave no total")
		}
	})
	t.Run("paging follows next and previous", func(t *testing.T) {
		var seen []string
		next := "/Patient?_count=1&_sort=birthdate"
		var page map[string]any
		for next != "" && len(seen) < 5 {
			page = jsonOf(t, cs.call(t, "GET", next, "", nil))
			seen = append(seen, names(bundleIDs(t, page, "match"))...)
			next = strings.TrimPrefix(bundleLink(page, "next"), cs.srv.Base+"/fhir")
		}
		if !slices.Equal(seen, []string{"bert", "anna"}) {
			t.Fatalf("pages %v, want bert anna", seen)
		}
		prev := strings.TrimPrefix(bundleLink(page, "previous"), cs.srv.Base+"/fhir")
		if prev == "" {
			t.Fatalf("the second page has no previous link")
		}
		if got := names(bundleIDs(t, jsonOf(t, cs.call(t, "GET", prev, "", nil)), "match")); !slices.Equal(got, []string{"bert"}) {
			t.Fatalf("previous page %v, want bert", got)
		}
	})
	t.Run("unknown parameters", func(t *testing.T) {
		b := jsonOf(t, cs.call(t, "GET", "/Observation?foo=bar&code=2345-7", "", nil))
		if self := bundleLink(b, "self"); self != cs.srv.Base+"/fhir/Observation?code=2345-7" {
			t.Errorf("self %q: the unknown parameter must be left out", self)
		}
		if got := names(bundleIDs(t, b, "match")); !sameSet(got, []string{"chem"}) {
			t.Errorf("matches %v", got)
		}
		oo := wantOutcome(t, cs.call(t, "GET", "/Observation?foo=bar&code=2345-7", "", map[string]string{"Prefer": "handling=strict"}), 400, "")
		if !strings.Contains(string(mustJSON(oo)), "foo") {
			t.Errorf("strict 400 does not name foo: %v", oo)
		}
	})
	t.Run("malformed values are 400", func(t *testing.T) {
		for _, q := range []string{"/Observation?date=notadate", "/Observation?value-quantity=abc", "/Observation?_count=-1",
			"/Observation?_total=bogus", "/Observation?_sort=bogus", "/Observation?subject:missing=maybe", "?_type=Bogus", "/Patient?_cursor=garbage"} {
			wantOutcome(t, cs.call(t, "GET", q, "", nil), 400, "")
		}
	})
	t.Run("POST _search", func(t *testing.T) {
		r := cs.call(t, "POST", "/Patient/_search", "gender=female", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		if got := names(bundleIDs(t, jsonOf(t, r), "match")); !sameSet(got, []string{"anna"}) {
			t.Fatalf("matches %v", got)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
