package rules

import (
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestSourceLabels(t *testing.T) {
	for _, tc := range []struct {
		name    string
		doc     string
		want    string // the resource afterwards
		changes []string
	}{
		{name: "only source labels",
			doc: `{"resourceType":"Organization","meta":{"security":[
				{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"o1"},
				{"system":"http://fhir.patientsknowbest.com/codesystem/source-team","code":"t1"}]}}`,
			want:    `{"resourceType":"Organization"}`,
			changes: []string{"Organization.meta.security[0]", "Organization.meta.security[1]"}},
		{name: "mixed",
			doc: `{"resourceType":"Organization","meta":{"versionId":"1","security":[
				{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"},
				{"system":"http://fhir.patientsknowbest.com/codesystem/source-patient","code":"p1"},
				{"system":"http://fhir.patientsknowbest.com/codesystem/privacy-label","code":"MentalHealth"}]}}`,
			want: `{"resourceType":"Organization","meta":{"versionId":"1","security":[
				{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"},
				{"system":"http://fhir.patientsknowbest.com/codesystem/privacy-label","code":"MentalHealth"}]}}`,
			changes: []string{"Organization.meta.security[1]"}},
		{name: "in a contained resource",
			doc: `{"resourceType":"Organization","contained":[{"resourceType":"Organization","id":"o","meta":{"security":[
				{"system":"http://fhir.patientsknowbest.com/codesystem/source-practitioner","code":"x"}]}}]}`,
			want:    `{"resourceType":"Organization","contained":[{"resourceType":"Organization","id":"o"}]}`,
			changes: []string{"Organization.contained[0].meta.security[0]"}},
		{name: "none",
			doc:  `{"resourceType":"Organization","meta":{"security":[{"system":"urn:x","code":"y"}]}}`,
			want: `{"resourceType":"Organization","meta":{"security":[{"system":"urn:x","code":"y"}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, v := check(t, tc.doc)
			if r.Excluded {
				t.Fatalf("source labels must not exclude: %q", violations(r))
			}
			want, err := fhirjson.Parse([]byte(tc.want))
			if err != nil {
				t.Fatal(err)
			}
			if !v.Equal(want) {
				t.Fatalf("got %s, want %s", fhirjson.Marshal(v), fhirjson.Marshal(want))
			}
			var changes []string
			for _, c := range r.Changes {
				changes = append(changes, c.Expression)
			}
			if !slices.Equal(changes, tc.changes) {
				t.Fatalf("changes %q, want %q", changes, tc.changes)
			}
		})
	}
}
