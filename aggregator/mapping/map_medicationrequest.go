package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// medicationRequest: context → encounter; definition → instantiatesCanonical
// (the reference text of each; one without stays for the generic step);
// requester.agent → requester with onBehalfOf kept as an extension on it;
// category 0..1 → 0..* is the generic step's.
func medicationRequest(c *ruleCtx, obj *fhirjson.Value) error {
	contextToEncounter(obj)
	definitionToCanonical(obj)
	req := obj.Get("requester")
	if req == nil || req.Kind != fhirjson.Object || req.Get("agent") == nil {
		return nil
	}
	agent := req.Get("agent")
	node := c.s3.Prop("requester").Children
	if err := c.m.keepIn(req, node, c.loc+".requester", "onBehalfOf"); err != nil {
		return err
	}
	// What else the requester held (id, extensions, onBehalfOf) moves onto
	// the agent Reference, which may carry them.
	for _, mem := range req.Members {
		switch mem.Name {
		case "agent":
		case "extension":
			appendItems(agent, "extension", items(mem.Value))
		default:
			agent.Set(mem.Name, mem.Value)
		}
	}
	obj.Set("requester", agent)
	c.reshaped("requester")
	return nil
}

// definitionToCanonical moves each definition Reference with a reference
// text to instantiatesCanonical.
func definitionToCanonical(obj *fhirjson.Value) {
	def := obj.Get("definition")
	if def == nil || def.Kind != fhirjson.Array || obj.Get("_definition") != nil {
		return
	}
	var rest []*fhirjson.Value
	for _, d := range def.Items {
		if d.Kind == fhirjson.Object && len(d.Members) == 1 && d.Str("reference") != "" {
			appendItems(obj, "instantiatesCanonical", []*fhirjson.Value{d.Get("reference")})
			continue
		}
		rest = append(rest, d)
	}
	if len(rest) == 0 {
		obj.Delete("definition")
	} else {
		def.Items = rest
	}
}

// medicationRequestSubstitution: allowed (boolean) → allowedBoolean.
func medicationRequestSubstitution(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "allowed", "allowedBoolean")
	return nil
}
