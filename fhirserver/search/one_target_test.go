package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestOneTargetParametersWriteNoBareIDs: a reference parameter read only
// by parameters of one target type (R4 Observation's specimen, Specimen)
// writes no bare-id entries — its plans read a bare id as Specimen/id —
// and one of several targets (subject) keeps them; both answer bare ids,
// typed references and type modifiers alike. Where a parameter of several
// targets shares the key (STU3's patient and subject have one
// expression), the entries stay. 205 of R4's 511 reference parameters
// that write entries have one target type.
func TestOneTargetParametersWriteNoBareIDs(t *testing.T) {
	checkParamFlag(t, "oneTarget", func(p *param) bool { return p.oneTarget }, []paramFlag{
		{defs.R4, "Observation", "specimen", true},
		{defs.R4, "Observation", "patient", false}, // Patient, Group
		{defs.R4, "Observation", "subject", false},
		{defs.R4, "Condition", "encounter", true},
		{defs.R4, "Patient", "organization", true},
		{defs.R4, "Patient", "general-practitioner", false},
		{defs.STU3, "Observation", "patient", false},
	})

	obs := `{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"},"specimen":{"reference":"Specimen/p1"}}`
	f := smallStore(t, defs.R4, obs,
		`{"resourceType":"Observation","id":"o2","status":"final","code":{"text":"x"},"subject":{"reference":"Group/p1"}}`,
		`{"resourceType":"Observation","id":"o3","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p3"},"specimen":{"reference":"Specimen/p3"}}`)
	bare := map[string]int{}
	for _, en := range entriesOf(t, f.e, obs) {
		if en.Value[0] == 'd' {
			bare[en.Param]++
		}
	}
	if bare["specimen"] != 0 || bare["subject"] != 1 {
		t.Errorf("bare-id entries %v, want subject's only", bare)
	}
	for _, q := range []struct {
		query string
		want  []string
	}{
		{"specimen=p1", []string{"o1"}},
		{"specimen=Specimen/p1", []string{"o1"}},
		{"specimen:Specimen=p1", []string{"o1"}},
		{"specimen=p1,p3", []string{"o1", "o3"}},
		{"specimen=Group/p1", nil},
		{"specimen:missing=true", []string{"o2"}},
		{"patient=p1", []string{"o1"}},
		{"subject=p1", []string{"o1", "o2"}},
		{"subject:Group=p1", []string{"o2"}},
		{"subject=Patient/p3", []string{"o3"}},
	} {
		var want []string
		for _, id := range q.want {
			want = append(want, "Observation/"+id)
		}
		expect(t, f, "Observation", q.query, want...)
	}
}
