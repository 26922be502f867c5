package follow

import (
	"encoding/json"
	"testing"
)

// TestReportBody: the Parameters have the parts of docs/aggregator.md,
// each with its value type, and only the parts that are set.
func TestReportBody(t *testing.T) {
	b, err := ReportBody([]Outcome{
		{Source: "s", Type: "Patient", ID: "p1", VersionID: 3, Status: "excluded", Rule: "nhs-number-invalid",
			Expression: "Patient.identifier[0].value", Message: "not a valid NHS number"},
		{Source: "s", Type: "Observation", ID: "o1", VersionID: 1, Status: "pending", WaitingFor: "Patient/p9"},
		{Source: "s", Type: "Patient", ID: "p2", VersionID: 12, Status: "accepted", Downstream: "Patient/ABC"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"parameter":[` +
		`{"name":"outcome","part":[{"name":"reference","valueReference":{"reference":"Patient/p1"}},{"name":"versionId","valueId":"3"},{"name":"status","valueCode":"excluded"},{"name":"rule","valueString":"nhs-number-invalid"},{"name":"expression","valueString":"Patient.identifier[0].value"},{"name":"message","valueString":"not a valid NHS number"}]},` +
		`{"name":"outcome","part":[{"name":"reference","valueReference":{"reference":"Observation/o1"}},{"name":"versionId","valueId":"1"},{"name":"status","valueCode":"pending"},{"name":"waitingFor","valueString":"Patient/p9"}]},` +
		`{"name":"outcome","part":[{"name":"reference","valueReference":{"reference":"Patient/p2"}},{"name":"versionId","valueId":"12"},{"name":"status","valueCode":"accepted"},{"name":"downstream","valueString":"Patient/ABC"}]}` +
		`],"resourceType":"Parameters"}`
	var got, exp any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if string(g) != string(e) {
		t.Fatalf("body\n%s\nwant\n%s", g, e)
	}
}
