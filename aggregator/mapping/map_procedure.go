package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// procedureStatus are STU3 Procedure statuses R4 renamed.
var procedureStatus = map[string]string{"suspended": "on-hold", "aborted": "stopped"}

// procedure: context → encounter; notDone=true → status not-done (notDone
// itself kept as an extension); notDoneReason →
// statusReason; suspended → on-hold, aborted → stopped. A replaced status
// is kept as an extension.
func procedure(c *ruleCtx, obj *fhirjson.Value) error {
	contextToEncounter(obj)
	rename(obj, "notDoneReason", "statusReason")
	status := procedureStatus[obj.Str("status")]
	if nd := obj.Get("notDone"); nd != nil && nd.Kind == fhirjson.Bool && nd.Bool {
		status = "not-done"
	}
	if status != "" && status != obj.Str("status") {
		if err := c.keep(obj, "status"); err != nil {
			return err
		}
		obj.Set("status", fhirjson.NewString(status))
	}
	// notDone is a STU3 modifier whose meaning status now carries: an
	// ordinary extension keeps it (see medicationStatement).
	return c.m.keepIn(obj, c.s3, c.loc, "notDone")
}

// procedurePerformer: role → function.
func procedurePerformer(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "role", "function")
	return nil
}
