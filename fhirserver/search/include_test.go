package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestIncludes(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	expect(t, f, "Observation", "_id=o1&_include=Observation:subject", "Observation/o1", "+Patient/p1")
	expect(t, f, "Observation", "_id=o1&_include=Observation:subject:Group", "Observation/o1")
	expect(t, f, "Observation", "_id=o2&_include=Observation:has-member&_include:iterate=Observation:subject",
		"Observation/o2", "+Observation/o1", "+Patient/p2", "+Patient/p1")
	expect(t, f, "Observation", "_id=o2&_include=Observation:*", "Observation/o2", "+Observation/o1", "+Patient/p2")
	expect(t, f, "Observation", "_id=o1&_include=*", "Observation/o1", "+Patient/p1")
	expect(t, f, "Patient", "_id=p1&_revinclude=Observation:subject", "Patient/p1", "+Observation/o1")
	expect(t, f, "Patient", "_id=p1&_revinclude=Observation:subject&_revinclude:iterate=Provenance:target",
		"Patient/p1", "+Observation/o1", "+Provenance/prov1")
	expect(t, f, "Patient", "_id=p1&_include=Patient:organization&_include:iterate=Patient:general-practitioner",
		"Patient/p1", "+Organization/org1", "+Practitioner/dr1")
	// _revinclude=*: everything that references p1 (o1 through subject and
	// patient, which is the same resource once).
	expect(t, f, "Patient", "_id=p1&_revinclude=*", "Patient/p1", "+Observation/o1")
	expect(t, f, "Observation", "_id=o1&_revinclude=*", "Observation/o1", "+Observation/o2", "+Provenance/prov1")
	// A missing target (Group/g1 was never written) is left out quietly.
	expect(t, f, "Observation", "_id=o3&_include=Observation:subject", "Observation/o3")
}
