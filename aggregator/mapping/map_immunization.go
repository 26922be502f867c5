package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// immunization: notGiven=true → status not-done (notGiven kept as an
// extension); date → occurrenceDateTime;
// practitioner{role,actor} → performer{function,actor};
// explanation.reason → reasonCode, explanation.reasonNotGiven →
// statusReason; vaccinationProtocol → protocolApplied.
func immunization(c *ruleCtx, obj *fhirjson.Value) error {
	if ng := obj.Get("notGiven"); ng != nil && ng.Kind == fhirjson.Bool && ng.Bool && obj.Str("status") != "not-done" {
		if err := c.keep(obj, "status"); err != nil {
			return err
		}
		obj.Set("status", fhirjson.NewString("not-done"))
	}
	// notGiven is a STU3 modifier whose meaning status now carries: an
	// ordinary extension keeps it (see medicationStatement).
	if err := c.m.keepIn(obj, c.s3, c.loc, "notGiven"); err != nil {
		return err
	}
	rename(obj, "date", "occurrenceDateTime")
	for _, p := range items(obj.Get("practitioner")) {
		rename(p, "role", "function")
	}
	rename(obj, "practitioner", "performer")
	explanation(obj)
	return c.protocols(obj)
}

// explanation lifts reason and a single reasonNotGiven out of explanation;
// what remains stays for the generic step.
func explanation(obj *fhirjson.Value) {
	ex := obj.Get("explanation")
	if ex == nil || ex.Kind != fhirjson.Object {
		return
	}
	if r := ex.Get("reason"); r != nil && ex.Get("_reason") == nil {
		appendItems(obj, "reasonCode", items(r))
		ex.Delete("reason")
	}
	if rng := ex.Get("reasonNotGiven"); rng != nil && len(items(rng)) == 1 && ex.Get("_reasonNotGiven") == nil {
		obj.Set("statusReason", items(rng)[0])
		ex.Delete("reasonNotGiven")
	}
	if len(ex.Members) == 0 {
		obj.Delete("explanation")
	}
}

// protocols: vaccinationProtocol → protocolApplied: doseSequence →
// doseNumberPositiveInt, seriesDoses → seriesDosesPositiveInt; series,
// authority, targetDisease stay; description, doseStatus and
// doseStatusReason have no R4 home and become extensions of the item.
func (c *ruleCtx) protocols(obj *fhirjson.Value) error {
	vp := obj.Get("vaccinationProtocol")
	if vp == nil {
		return nil
	}
	node := c.s3.Prop("vaccinationProtocol").Children
	for i, p := range items(vp) {
		if p.Kind != fhirjson.Object {
			continue
		}
		loc := c.loc + ".vaccinationProtocol[" + itoa(i) + "]"
		if err := c.m.keepIn(p, node, loc, "description", "doseStatus", "doseStatusReason"); err != nil {
			return err
		}
		rename(p, "doseSequence", "doseNumberPositiveInt")
		rename(p, "seriesDoses", "seriesDosesPositiveInt")
	}
	rename(obj, "vaccinationProtocol", "protocolApplied")
	return nil
}
