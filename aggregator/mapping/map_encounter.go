package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// encounter: incomingReferral → basedOn, reason → reasonCode.
func encounter(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "incomingReferral", "basedOn")
	rename(obj, "reason", "reasonCode")
	return nil
}

// encounterDiagnosis: role → use.
func encounterDiagnosis(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "role", "use")
	return nil
}
