package mapping

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// dosage: dose[x] and rate[x] → one doseAndRate item holding both.
func dosage(c *ruleCtx, obj *fhirjson.Value) error {
	var dr *fhirjson.Value
	var rest []fhirjson.Member
	for _, mem := range obj.Members {
		p := c.s3.Prop(strings.TrimPrefix(mem.Name, "_"))
		if p != nil && p.Element.Choice && (p.Element.Name == "dose" || p.Element.Name == "rate") {
			if dr == nil {
				dr = fhirjson.NewObject()
			}
			dr.Set(mem.Name, mem.Value)
			continue
		}
		rest = append(rest, mem)
	}
	if dr != nil {
		obj.Members = rest
		obj.Set("doseAndRate", fhirjson.NewArray(dr))
	}
	return nil
}

// binary: content → data.
func binary(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "content", "data")
	return nil
}
