package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// documentReference: class → category, indexed → date; created has no R4
// home and is kept as an extension by the generic step.
func documentReference(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "class", "category")
	rename(obj, "indexed", "date")
	return nil
}

// documentReferenceContext: related {identifier, ref} → a Reference (ref,
// with identifier as its identifier). An item with anything else stays for
// the generic step.
func documentReferenceContext(c *ruleCtx, obj *fhirjson.Value) error {
	rel := obj.Get("related")
	if rel == nil || rel.Kind != fhirjson.Array {
		return nil
	}
	var out, rest []*fhirjson.Value
	for _, r := range rel.Items {
		ref := r.Get("ref")
		id := r.Get("identifier")
		if r.Kind != fhirjson.Object || len(r.Members) != btoi(ref != nil)+btoi(id != nil) || len(r.Members) == 0 {
			rest = append(rest, r)
			continue
		}
		if ref == nil {
			ref = fhirjson.NewObject()
		}
		if id != nil {
			if ref.Get("identifier") != nil {
				rest = append(rest, r)
				continue
			}
			ref.Set("identifier", id)
		}
		out = append(out, ref)
	}
	if len(rest) > 0 {
		// Mixed shapes: keep the whole list as STU3 had it.
		return c.m.keepIn(obj, c.s3, c.loc, "related")
	}
	obj.Set("related", fhirjson.NewArray(out...))
	c.reshaped("related")
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
