package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// observation: context → encounter; comment → note; related of type
// has-member / derived-from → hasMember / derivedFrom (the other types stay
// in related, which the generic step keeps as extensions).
func observation(c *ruleCtx, obj *fhirjson.Value) error {
	contextToEncounter(obj)
	if cm, under := obj.Get("comment"), obj.Get("_comment"); cm != nil || under != nil {
		note := fhirjson.NewObject()
		if cm != nil {
			note.Set("text", cm)
		}
		if under != nil {
			note.Set("_text", under)
		}
		obj.Delete("comment")
		obj.Delete("_comment")
		appendItems(obj, "note", []*fhirjson.Value{note})
	}
	related := obj.Get("related")
	if related == nil || related.Kind != fhirjson.Array {
		return nil
	}
	var rest []*fhirjson.Value
	for _, r := range related.Items {
		target := r.Get("target")
		if target == nil || len(r.Members) != 2 {
			rest = append(rest, r) // extensions or an id of its own: keep whole
			continue
		}
		switch r.Str("type") {
		case "has-member":
			appendItems(obj, "hasMember", []*fhirjson.Value{target})
		case "derived-from":
			appendItems(obj, "derivedFrom", []*fhirjson.Value{target})
		default:
			rest = append(rest, r)
		}
	}
	if len(rest) == 0 {
		obj.Delete("related")
	} else {
		related.Items = rest
	}
	return nil
}
