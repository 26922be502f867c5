package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestHas(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	expect(t, f, "Patient", "_has:Observation:patient:code=1-1", "Patient/p1")
	expect(t, f, "Patient", "_has:Observation:patient:code=1-1,2-2", "Patient/p1", "Patient/p2")
	expect(t, f, "Patient", "_has:Observation:patient:status=preliminary") // o3's subject is a Group
	// Nested: patients with an observation that a Provenance targets.
	expect(t, f, "Patient", "_has:Observation:patient:_has:Provenance:target:agent=Practitioner/dr1", "Patient/p1")
	// Observations that are members of another observation.
	expect(t, f, "Observation", "_has:Observation:has-member:code=2-2", "Observation/o1")
	expect(t, f, "Patient", "_has:Observation:subject:code=1-1", "Patient/p1")
}

// TestForwardEntriesShared: a reference parameter that is another one
// filtered to one target type (R4 Observation's patient is subject's
// Patients) writes no forward entries and reads the other's; STU3's
// patient, whose expression is subject's own, shares the whole key
// instead.
func TestForwardEntriesShared(t *testing.T) {
	checkParamFlag(t, "forward", func(p *param) bool { return p.forward != "" }, []paramFlag{
		{defs.R4, "Observation", "patient", true},
		{defs.R4, "Observation", "subject", false},
		{defs.R4, "Condition", "patient", true},
		{defs.R4, "Appointment", "practitioner", true}, // participant.actor's Practitioners
		{defs.R4, "Patient", "general-practitioner", false},
		{defs.STU3, "Observation", "patient", false},
	})
	e := mustEngine(t, defs.R4, nil)
	if p := e.reg.lookup("Observation", "patient"); p.forward != "subject" || p.forwardType != "Patient" {
		t.Errorf("Observation.patient reads %q's forward entries of %q, want subject's of Patient", p.forward, p.forwardType)
	}
	forward := map[string]int{}
	for _, en := range entriesOf(t, e, `{"resourceType":"Observation","id":"o9","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}}`) {
		if en.Value[0] == 'f' {
			forward[en.Param]++
		}
	}
	if forward["patient"] != 0 || forward["subject"] != 1 {
		t.Errorf("forward entries %v, want subject's only", forward)
	}

	// patient points at Patients only: a Group subject is found through
	// subject, not patient.
	g := smallStore(t, defs.R4,
		`{"resourceType":"Group","id":"g1","type":"person","actual":true}`,
		`{"resourceType":"Patient","id":"g1"}`,
		`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Group/g1"}}`,
		`{"resourceType":"Observation","id":"o2","status":"amended","code":{"text":"x"},"subject":{"reference":"Patient/g1"}}`)
	expect(t, g, "Group", "_has:Observation:subject:status=final", "Group/g1")
	expect(t, g, "Group", "_has:Observation:patient:status=final")
	expect(t, g, "Patient", "_has:Observation:patient:status=final")
	expect(t, g, "Patient", "_has:Observation:patient:status=amended", "Patient/g1")
	expect(t, g, "Patient", "_has:Observation:patient:status=final,amended", "Patient/g1")
}
