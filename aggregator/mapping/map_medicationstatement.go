package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// medicationStatement: taken n/unk → status not-taken/unknown, with taken
// and a replaced status kept as extensions;
// reasonNotTaken → reasonCode, the originals kept as extensions too.
func medicationStatement(c *ruleCtx, obj *fhirjson.Value) error {
	status := map[string]string{"n": "not-taken", "unk": "unknown"}[obj.Str("taken")]
	if status != "" && obj.Str("status") != status {
		if err := c.keep(obj, "status"); err != nil { // the STU3 status too
			return err
		}
		obj.Set("status", fhirjson.NewString(status))
	}
	// taken is a STU3 modifier, but status now carries its meaning: an
	// ordinary extension keeps it without making R4 readers refuse the
	// resource, as an unknown modifierExtension would.
	if err := c.m.keepIn(obj, c.s3, c.loc, "taken"); err != nil {
		return err
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
