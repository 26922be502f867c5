package rest

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// TestWithSearchEngine runs the conditional interactions and a search over
// the real engine of package search, so the seam (IndexEntries in the same
// write, Match inside the write section, Result rendering) is checked end
// to end and not only against the fake.
func TestWithSearchEngine(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver, func(c *Config) {
				eng, err := search.NewEngine(c.Version, c.Store, search.Options{BaseURL: c.BaseURL + "/fhir"})
				if err != nil {
					t.Fatal(err)
				}
				c.Searcher = eng
			})
			body := `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"1"}],"name":[{"family":"Chalmers"}]}`
			first := e.do("POST", "/fhir/Patient", body, "If-None-Exist: identifier=urn:s|1")
			again := e.do("POST", "/fhir/Patient", body, "If-None-Exist: identifier=urn:s|1")
			if first.Status != 201 || again.Status != 200 {
				t.Fatalf("conditional create: %d then %d: %s", first.Status, again.Status, again.Body)
			}
			id := first.json(t).Str("id")
			r := e.do("GET", "/fhir/Patient?family=chalm&_total=accurate", "")
			if r.Status != 200 || len(entries(r.json(t))) != 1 {
				t.Fatalf("search: %d %s", r.Status, r.Body)
			}
			r = e.do("PUT", "/fhir/Patient?identifier=urn:s|1", `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"1"}],"name":[{"family":"Other"}]}`)
			if r.Status != 200 || r.json(t).Str("id") != id {
				t.Fatalf("conditional update: %d %s", r.Status, r.Body)
			}
			if r = e.do("GET", "/fhir/Patient?family=chalm", ""); len(entries(r.json(t))) != 0 {
				t.Fatalf("index not replaced on update: %s", r.Body)
			}
			if r = e.do("GET", "/fhir/Patient?_lastUpdated=gt2000-01-01", ""); len(entries(r.json(t))) != 1 {
				t.Fatalf("_lastUpdated not indexed: %s", r.Body)
			}
			r = e.do("POST", "/fhir", bundleOf("transaction",
				`{"fullUrl":"urn:uuid:a","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient?identifier=urn:s|1"}},"request":{"method":"POST","url":"Observation"}}`))
			if r.Status != 200 {
				t.Fatalf("transaction: %d %s", r.Status, r.Body)
			}
			if r = e.do("GET", "/fhir/Observation?subject=Patient/"+id, ""); len(entries(r.json(t))) != 1 {
				t.Fatalf("reference search after transaction: %s", r.Body)
			}
			if r = e.do("GET", "/fhir/Patient/"+id+"/Observation", ""); r.Status != 200 || len(entries(r.json(t))) != 1 {
				t.Fatalf("compartment search: %d %s", r.Status, r.Body)
			}
			if r = e.do("GET", "/fhir/Patient?unknownparam=x", "", "Prefer: handling=strict"); r.Status != 400 {
				t.Fatalf("strict handling: %d %s", r.Status, r.Body)
			}
		})
	}
}
