package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestChains(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	expect(t, f, "Observation", "subject:Patient.family=smith", "Observation/o1")
	expect(t, f, "Observation", "subject.family=jones", "Observation/o2")
	expect(t, f, "Observation", "patient.organization.name=acme", "Observation/o1")
	expect(t, f, "Observation", "patient.organization.name=acme,other", "Observation/o1", "Observation/o2")
	expect(t, f, "Observation", "subject:Patient.general-practitioner:Practitioner.family=careful", "Observation/o1")
	expect(t, f, "Observation", "subject:Patient.family=nobody")
	// A chain ANDed with a plain parameter.
	expect(t, f, "Observation", "subject:Patient.family=smith,jones&code=2-2", "Observation/o2")
}
