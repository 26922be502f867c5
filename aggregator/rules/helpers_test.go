package rules

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

const testBase = "https://acme-gp.example/fhir"

// check parses doc and checks it with a Checker for testBase.
func check(t *testing.T, doc string) (Result, *fhirjson.Value) {
	t.Helper()
	return checkWith(t, New(Config{SourceBase: testBase}), doc)
}

func checkWith(t *testing.T, c *Checker, doc string) (Result, *fhirjson.Value) {
	t.Helper()
	v, err := fhirjson.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	r, err := c.Check(v)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if r.Excluded != (len(r.Violations) > 0) {
		t.Fatalf("Excluded %v with %d violations", r.Excluded, len(r.Violations))
	}
	return r, v
}

// violations renders a result's violations as "rule@expression".
func violations(r Result) []string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, string(v.Rule)+"@"+v.Expression)
	}
	return out
}
