package rules

import (
	"fmt"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// walker runs the rules over one resource: a TypedWalk whose visits are
// the reference and identifier rules, plus the checks made once per
// resource (source labels; identifiers of the merged types at the root).
type walker struct {
	TypedWalk
	c   *Checker
	res Result
}

func (w *walker) result() Result {
	w.res.Excluded = len(w.res.Violations) > 0
	return w.res
}

func (w *walker) violate(rule Rule, code outcome.Code, expr, format string, args ...any) {
	w.res.Violations = append(w.res.Violations, Violation{
		Rule: rule, Code: code, Expression: expr, Message: fmt.Sprintf(format, args...),
	})
}

// here is the current FHIRPath, with an optional child name.
func (w *walker) here(child string) string {
	if child == "" {
		return string(w.Path)
	}
	return string(w.Path) + "." + child
}

// check walks the root resource res of type t.
func (w *walker) check(res *fhirjson.Value, t *defs.Type) {
	w.Visit = w.visit
	w.Path = append(w.Path[:0], t.Name...) // where stripSourceLabels reports
	w.stripSourceLabels(res)
	w.Resource(res)
	w.mergedIdentifiers(res, t)
}

// visit applies the rules to one Reference or Identifier; a nested resource
// (contained, Bundle.entry.resource) loses its source labels as the root does.
func (w *walker) visit(typeCode string, v *fhirjson.Value) bool {
	switch typeCode {
	case "Reference":
		w.reference(v)
	case "Identifier":
		w.identifier(v)
	case "Resource":
		w.stripSourceLabels(v)
	}
	return true
}
