package rules

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// The identifier rules. Merged types are matched across sources by
// identifier, so an identifier without a system or value cannot be matched,
// and a person with none (or two values for one system) cannot be merged.
const (
	// RuleIdentifierIncomplete: an Identifier, at any depth, without
	// system or value.
	RuleIdentifierIncomplete Rule = "identifier-incomplete"
	// RuleIdentifierMissing: a Patient, Person or Practitioner with no
	// identifier.
	RuleIdentifierMissing Rule = "identifier-missing"
	// RuleIdentifierDuplicateSystem: a Patient, Person or Practitioner
	// with two identifiers of one system.
	RuleIdentifierDuplicateSystem Rule = "identifier-duplicate-system"
)

// identifiedTypes are the merged types that need identifiers (a platform
// rule, not a FHIR fact: Organization and Medication are merged by other
// keys).
var identifiedTypes = map[string]bool{"Patient": true, "Person": true, "Practitioner": true}

// identifier checks one Identifier at the current path.
func (w *walker) identifier(v *fhirjson.Value) {
	system, value := v.Get("system"), v.Get("value")
	if !nonEmptyString(system) {
		w.violate(RuleIdentifierIncomplete, outcome.CodeRequired, w.here("system"),
			"an Identifier must have a system")
	}
	if !nonEmptyString(value) {
		w.violate(RuleIdentifierIncomplete, outcome.CodeRequired, w.here("value"),
			"an Identifier must have a value")
		return
	}
	if nonEmptyString(system) && system.Text == NHSNumberSystem && !ValidNHSNumber(value.Text) {
		w.violate(RuleNHSNumberInvalid, outcome.CodeValue, w.here("value"),
			"%q is not a valid NHS number (10 digits with a modulus-11 check digit)", value.Text)
	}
}

func nonEmptyString(v *fhirjson.Value) bool {
	return v != nil && v.Kind == fhirjson.String && v.Text != ""
}

// mergedIdentifiers checks the root identifiers of a merged type. The
// path is the resource's type name.
func (w *walker) mergedIdentifiers(o *fhirjson.Value, t *defs.Type) {
	if !identifiedTypes[t.Name] {
		return
	}
	ids := o.Get("identifier")
	if ids == nil || ids.Kind != fhirjson.Array || len(ids.Items) == 0 {
		w.violate(RuleIdentifierMissing, outcome.CodeRequired, w.here("identifier"),
			"a %s must have at least one identifier", t.Name)
		return
	}
	for i, id := range ids.Items {
		sys := id.Str("system")
		if sys == "" {
			continue // reported as incomplete
		}
		for _, earlier := range ids.Items[:i] {
			if earlier.Str("system") == sys {
				mark := w.pushName("identifier")
				im := w.pushIndex(i)
				w.violate(RuleIdentifierDuplicateSystem, outcome.CodeDuplicate, w.here("system"),
					"a %s may have only one identifier of system %s", t.Name, sys)
				w.pop(im)
				w.pop(mark)
				break
			}
		}
	}
}
