package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestURIPlans(t *testing.T) {
	var keys [][]byte
	for _, v := range uriValues([]item{{v: fhirjson.NewString("http://acme.org/fhir/ValueSet/123|2.0")}}) {
		keys = append(keys, v.keys...)
	}
	cases := []struct {
		modifier, value string
		want            bool
	}{
		{"", "http://acme.org/fhir/ValueSet/123|2.0", true},
		{"", "http://acme.org/fhir/ValueSet/123", true}, // the canonical without version
		{"", "http://acme.org/fhir", false},
		{"below", "http://acme.org/fhir", true},
		{"below", "http://other.org", false},
		{"above", "http://acme.org/fhir/ValueSet/123/_history/5", true},
		{"above", "http://acme.org/fhir/CodeSystem/123", false},
	}
	for _, c := range cases {
		p, err := uriPlan("url", c.modifier, c.value)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, k := range keys {
			got = got || p.matches(k)
		}
		if got != c.want {
			t.Errorf("url:%s=%s: %v, want %v", c.modifier, c.value, got, c.want)
		}
	}
	if _, err := uriPlan("url", "contains", "x"); err == nil {
		t.Errorf(":contains accepted on a uri")
	}
}
