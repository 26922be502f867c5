package mapping

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// questionnaireItem: option → answerOption (same value[x]); options (a
// Reference) → answerValueSet (its reference text); initial[x] →
// initial[{value[x]}].
func questionnaireItem(c *ruleCtx, obj *fhirjson.Value) error {
	rename(obj, "option", "answerOption")
	if opts := obj.Get("options"); opts != nil && opts.Kind == fhirjson.Object && len(opts.Members) == 1 && opts.Str("reference") != "" {
		rename(obj, "options", "answerValueSet")
		obj.Set("answerValueSet", opts.Get("reference"))
	}
	for _, mem := range obj.Members {
		if !strings.HasPrefix(mem.Name, "initial") {
			continue
		}
		name := mem.Name
		init := fhirjson.NewObject()
		init.Set("value"+strings.TrimPrefix(name, "initial"), mem.Value)
		if under := obj.Get("_" + name); under != nil {
			init.Set("_value"+strings.TrimPrefix(name, "initial"), under)
			obj.Delete("_" + name)
		}
		obj.Delete(name)
		obj.Set("initial", fhirjson.NewArray(init))
		break // initial[x] is 0..1
	}
	return nil
}

// questionnaireEnableWhen: hasAnswer → operator exists with answerBoolean;
// answer[x] → operator =.
func questionnaireEnableWhen(c *ruleCtx, obj *fhirjson.Value) error {
	if obj.Get("hasAnswer") != nil {
		rename(obj, "hasAnswer", "answerBoolean")
		obj.Set("operator", fhirjson.NewString("exists"))
		return nil
	}
	for _, mem := range obj.Members {
		if strings.HasPrefix(mem.Name, "answer") {
			obj.Set("operator", fhirjson.NewString("="))
			return nil
		}
	}
	return nil
}
