package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// questionnaireResponse: context → encounter, parent → partOf, the
// questionnaire Reference → its canonical (reference text); item.subject
// has no R4 home and is kept as an extension by the generic step.
func questionnaireResponse(c *ruleCtx, obj *fhirjson.Value) error {
	contextToEncounter(obj)
	rename(obj, "parent", "partOf")
	if q := obj.Get("questionnaire"); q != nil && q.Kind == fhirjson.Object && len(q.Members) == 1 && q.Str("reference") != "" {
		obj.Set("questionnaire", q.Get("reference"))
		c.reshaped("questionnaire")
	}
	return nil
}
