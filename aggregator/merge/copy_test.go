package merge

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestCopy(t *testing.T) {
	for _, tc := range []struct {
		name, res, base, want string
	}{
		{"meta stamped by the store is dropped, labels kept",
			`{"resourceType":"Observation","id":"o1","meta":{"versionId":"4","lastUpdated":"2026-01-01T00:00:00Z","security":[{"system":"urn:conf","code":"R"}]},"status":"final"}`,
			"https://gp.example/fhir/",
			`{"resourceType":"Observation","id":"NEW","meta":{"security":[{"system":"urn:conf","code":"R"},` +
				`{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"cust-gp"}],"source":"https://gp.example/fhir/Observation/o1/_history/1"},"status":"final"}`},
		{"no meta yet",
			`{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/1"}}`,
			"https://gp.example/fhir",
			`{"resourceType":"Condition","id":"NEW","subject":{"reference":"Patient/1"},"meta":{"source":"https://gp.example/fhir/Condition/c1/_history/1",` +
				`"security":[{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"cust-gp"}]}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := contributor(t, "gp", "", 0, tc.res)
			c.ID, c.Base = c.Resource.Str("id"), tc.base
			before := string(fhirjson.Marshal(c.Resource))
			if got := string(fhirjson.Marshal(Copy(c, "NEW"))); got != tc.want {
				t.Errorf("Copy =\n%s\nwant\n%s", got, tc.want)
			}
			if string(fhirjson.Marshal(c.Resource)) != before {
				t.Error("the contributor changed")
			}
		})
	}
}
