package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// allergyIntolerance: assertedDate → recordedDate, the status codes →
// CodeableConcepts. R4's ait-1/ait-2 forbid a clinicalStatus beside
// verificationStatus entered-in-error, so that clinicalStatus is kept as
// an extension instead.
func allergyIntolerance(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "assertedDate", "recordedDate")
	if obj.Str("verificationStatus") == "entered-in-error" && obj.Get("clinicalStatus") != nil {
		if err := c.m.keepIn(obj, c.s3, c.loc, "clinicalStatus"); err != nil {
			return err
		}
	}
	codeToConcept(obj, "clinicalStatus", terminology("allergyintolerance-clinical"))
	codeToConcept(obj, "verificationStatus", terminology("allergyintolerance-verification"))
	c.reshaped("clinicalStatus", "verificationStatus")
	return nil
}
