package rest

import (
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// TestEverything: Patient/id/$everything answers the patient and its
// compartment as a paged searchset, 404 for an unknown patient, 400 for
// the parameters it does not support, and is served on a read-only handler.
func TestEverything(t *testing.T) {
	e := newEnv(t, defs.R4, func(c *Config) {
		eng, err := search.NewEngine(c.Version, c.Store, search.Options{BaseURL: c.BaseURL + "/fhir"})
		if err != nil {
			t.Fatal(err)
		}
		c.Searcher = eng
	})
	p := e.create("Patient", `{"resourceType":"Patient"}`)
	other := e.create("Patient", `{"resourceType":"Patient"}`)
	var want []string
	for range 3 {
		want = append(want, "Observation/"+e.create("Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/`+p+`"}}`))
	}
	e.create("Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/`+other+`"}}`)
	want = append(want, "Patient/"+p)
	var got []string
	path := "/fhir/Patient/" + p + "/$everything?_count=2"
	for path != "" {
		r := e.do("GET", path, "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		b := r.json(t)
		for _, en := range entries(b) {
			res := en.Get("resource")
			got = append(got, res.Str("resourceType")+"/"+res.Str("id"))
		}
		path = ""
		if l := bundleLink(b, "next"); l != "" {
			path = l[len(e.srv.URL):]
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("$everything = %v, want %v", got, want)
	}
	for path, status := range map[string]int{
		"/fhir/Patient/nope/$everything":                  404,
		"/fhir/Patient/" + p + "/$everything?_since=2020": 400,
		"/fhir/Observation/x/$everything":                 404,
	} {
		if r := e.do("GET", path, ""); r.Status != status {
			t.Errorf("%s: %d, want %d: %s", path, r.Status, status, r.Body)
		}
	}
}
