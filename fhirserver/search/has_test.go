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
}
