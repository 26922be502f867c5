package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// medicationStatement: taken n/unk → status not-taken/unknown (taken
// and the replaced status have no R4 home, so the generic step keeps it as an extension);
// reasonNotTaken → reasonCode, the originals kept as extensions too.
func medicationStatement(c *ruleCtx, obj *fhirjson.Value) error {
	status := map[string]string{"n": "not-taken", "unk": "unknown"}[obj.Str("taken")]
	if status != "" && obj.Str("status") != status {
		if err := c.keep(obj, "status"); err != nil { // the STU3 status too
			return err
		}
		obj.Set("status", fhirjson.NewString(status))
	}
	if rnt := obj.Get("reasonNotTaken"); rnt != nil {
		if err := c.keep(obj, "reasonNotTaken"); err != nil {
			return err
		}
		obj.Delete("reasonNotTaken")
		obj.Delete("_reasonNotTaken")
		appendItems(obj, "reasonCode", items(rnt))
	}
	return nil
}
