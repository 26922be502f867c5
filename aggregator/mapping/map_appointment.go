package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// appointment: indication → reasonReference, reason → reasonCode,
// incomingReferral → basedOn; serviceCategory 0..1 → 0..* is the generic
// step's.
func appointment(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "indication", "reasonReference")
	rename(obj, "reason", "reasonCode")
	rename(obj, "incomingReferral", "basedOn")
	return nil
}
