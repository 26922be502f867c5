package access

import (
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestFactsOf: what the rule reads of a resource: compartment owners,
// source-organization codes, privacy labels and, of a Patient, the
// customers of its contributors (extension or label).
func TestFactsOf(t *testing.T) {
	eng, err := search.NewEngine(defs.R4, nil, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		org   = `{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"beta"}`
		label = `{"system":"` + PrivacyLabelSystem + `","code":"MENTAL_HEALTH"}`
		contr = `{"url":"https://fhirfleet.io/fhir/StructureDefinition/contributor","extension":[{"url":"source","valueString":"acme-gp"},{"url":"customer","valueString":"acme"}]}`
		other = `{"url":"https://example.org/other","extension":[{"url":"customer","valueString":"gamma"}]}`
	)
	tests := []struct {
		js                              string
		owners, orgs, labels, customers []string
	}{
		{`{"resourceType":"Condition","meta":{"security":[` + org + `,` + label + `]},"subject":{"reference":"Patient/p1"}}`,
			[]string{"p1"}, []string{"beta"}, []string{"MENTAL_HEALTH"}, nil},
		{`{"resourceType":"Patient","id":"p2","meta":{"extension":[` + contr + `,` + other + `],"security":[` + org + `]}}`,
			[]string{"p2"}, []string{"beta"}, nil, []string{"acme", "beta"}},
		{`{"resourceType":"Organization","id":"o"}`, nil, nil, nil, nil},
	}
	for _, tc := range tests {
		res, err := fhirjson.Parse([]byte(tc.js))
		if err != nil {
			t.Fatal(err)
		}
		f := factsOf(eng, res.Str("resourceType"), res)
		if !slices.Equal(f.owners, tc.owners) || !slices.Equal(f.orgs, tc.orgs) || !slices.Equal(f.labels, tc.labels) || !slices.Equal(f.customers, tc.customers) {
			t.Errorf("%s: %+v", tc.js, *f)
		}
	}
}

// TestFactCache: facts are kept per version (a new version is worked out
// anew) and the cache stays within maxFacts.
func TestFactCache(t *testing.T) {
	eng, err := search.NewEngine(defs.R4, nil, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var c factCache
	rec := func(id string, v int64, js string) *storage.Record {
		return &storage.Record{Type: "Condition", ID: id, VersionID: v, JSON: []byte(js)}
	}
	f1, err := c.get(eng, rec("c", 1, `{"resourceType":"Condition","subject":{"reference":"Patient/a"}}`))
	if err != nil {
		t.Fatal(err)
	}
	f2, _ := c.get(eng, rec("c", 2, `{"resourceType":"Condition","subject":{"reference":"Patient/b"}}`))
	again, _ := c.get(eng, rec("c", 1, `not even JSON: served from the cache`))
	if f1.owners[0] != "a" || f2.owners[0] != "b" || again != f1 {
		t.Errorf("per version: %v %v %v", f1.owners, f2.owners, again.owners)
	}
	if _, err := c.get(eng, rec("bad", 1, `{`)); err == nil {
		t.Error("a broken body gave facts")
	}
	for i := range maxFacts + 10 {
		if _, err := c.get(eng, rec("x", int64(i+1), `{"resourceType":"Condition"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > maxFacts {
		t.Errorf("%d facts cached, more than %d", n, maxFacts)
	}
}
