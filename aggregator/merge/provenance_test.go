package merge

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestMergedMeta(t *testing.T) {
	a := contributor(t, "lab", "2", 5, `{"resourceType":"Patient","meta":{"versionId":"3","lastUpdated":"2026-12-02T10:05:00Z",
		"source":"urn:s","profile":["urn:p"],"security":[{"system":"urn:conf","code":"R"}],"tag":[{"system":"urn:t","code":"a"}]},
		"identifier":[{"system":"urn:x","value":"1"}]}`)
	b := contributor(t, "gp", "1", 0, `{"resourceType":"Patient","meta":{"security":[{"system":"urn:conf","code":"R"},{"system":"urn:conf","code":"N"}]},
		"identifier":[{"system":"urn:x","value":"1"}]}`)
	b.VersionID = ""
	c := contributor(t, "gp2", "9", 1, patient("urn:x|1"))
	c.Customer = a.Customer // one customer, two sources
	got := string(fhirjson.Marshal(Merge("Patient", []Contributor{a, b, c}).Get("meta")))
	want := `{"extension":[` +
		`{"url":"https://fhirfleet.io/fhir/StructureDefinition/contributor","extension":[{"url":"source","valueString":"gp"},{"url":"customer","valueString":"cust-gp"},` +
		`{"url":"reference","valueUri":"https://gp.example/fhir/Patient/1"},{"url":"lastUpdated","valueInstant":"2026-12-02T10:00:00Z"}]},` +
		`{"url":"https://fhirfleet.io/fhir/StructureDefinition/contributor","extension":[{"url":"source","valueString":"gp2"},{"url":"customer","valueString":"cust-lab"},` +
		`{"url":"reference","valueUri":"https://gp2.example/fhir/Patient/9/_history/1"},{"url":"lastUpdated","valueInstant":"2026-12-02T10:01:00Z"}]},` +
		`{"url":"https://fhirfleet.io/fhir/StructureDefinition/contributor","extension":[{"url":"source","valueString":"lab"},{"url":"customer","valueString":"cust-lab"},` +
		`{"url":"reference","valueUri":"https://lab.example/fhir/Patient/2/_history/1"},{"url":"lastUpdated","valueInstant":"2026-12-02T10:05:00Z"}]}],` +
		`"security":[{"system":"urn:conf","code":"R"},{"system":"urn:conf","code":"N"},` +
		`{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"cust-gp"},` +
		`{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"cust-lab"}],` +
		`"tag":[{"system":"urn:t","code":"a"}]}`
	if got != want {
		t.Errorf("meta =\n%s\nwant\n%s", got, want)
	}
}
