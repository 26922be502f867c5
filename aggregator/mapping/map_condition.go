package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// condition: context → encounter, assertedDate → recordedDate, the status
// codes → CodeableConcepts; stage 0..1 → 0..* is the generic step's.
func condition(c *ruleCtx, obj *fhirjson.Value) error {
	contextToEncounter(obj)
	rename(obj, "assertedDate", "recordedDate")
	codeToConcept(obj, "clinicalStatus", terminology("condition-clinical"))
	codeToConcept(obj, "verificationStatus", terminology("condition-ver-status"))
	c.reshaped("clinicalStatus", "verificationStatus")
	return nil
}
