package rules

import (
	"fmt"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// walker walks one resource alongside its R4 definitions and calls the rule
// for each Reference and Identifier it meets. The FHIRPath of the current
// place lives in a byte buffer that grows and shrinks with the walk, so a
// resource costs a path string only where a rule reports something.
//
// The walk is lenient: properties the definitions do not know and values of
// the wrong JSON kind are skipped, since syntax is the customer server's
// job and a rule must never fail on what it does not understand.
type walker struct {
	c    *Checker
	path []byte
	res  Result
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
		return string(w.path)
	}
	return string(w.path) + "." + child
}

func (w *walker) pushName(name string) int {
	n := len(w.path)
	w.path = append(w.path, '.')
	w.path = append(w.path, name...)
	return n
}

func (w *walker) pushIndex(i int) int {
	n := len(w.path)
	w.path = append(w.path, '[')
	w.path = strconv.AppendInt(w.path, int64(i), 10)
	w.path = append(w.path, ']')
	return n
}

func (w *walker) pop(n int) { w.path = w.path[:n] }

// resource checks one resource: the root, or a nested one (contained,
// Bundle.entry.resource, Parameters.parameter.resource). The path already
// names it.
func (w *walker) resource(o *fhirjson.Value, t *defs.Type, root bool) {
	w.stripSourceLabels(o)
	w.object(o, t.Root)
	if root {
		w.mergedIdentifiers(o, t)
	}
}

// object walks the members of o, described by node.
func (w *walker) object(o *fhirjson.Value, node *defs.Node) {
	if node == nil {
		return
	}
	for i := range o.Members {
		m := &o.Members[i]
		name := m.Name
		if len(name) > 1 && name[0] == '_' {
			// A primitive's extensions ("_birthDate") may hold a
			// valueReference or valueIdentifier too.
			if prop := node.Props[name[1:]]; prop != nil && prop.Primitive {
				w.values(name[1:], prop.Type.Root, nil, m.Value)
			}
			continue
		}
		prop := node.Props[name]
		if prop == nil || prop.Primitive {
			continue
		}
		w.values(name, prop.Children, prop, m.Value)
	}
}

// values walks the value (or the array of values) of one property.
func (w *walker) values(name string, node *defs.Node, prop *defs.Prop, v *fhirjson.Value) {
	mark := w.pushName(name)
	if v.Kind == fhirjson.Array {
		for i, item := range v.Items {
			if item == nil || item.Kind != fhirjson.Object {
				continue
			}
			im := w.pushIndex(i)
			w.element(node, prop, item)
			w.pop(im)
		}
	} else if v.Kind == fhirjson.Object {
		w.element(node, prop, v)
	}
	w.pop(mark)
}

// element checks one object value, then walks into it. prop is nil for a
// primitive's "_" object.
func (w *walker) element(node *defs.Node, prop *defs.Prop, v *fhirjson.Value) {
	if prop != nil {
		switch prop.TypeCode {
		case "Reference":
			w.reference(v)
		case "Identifier":
			w.identifier(v)
		case "Resource":
			// contained, Bundle.entry.resource: the nested resource says
			// its own type.
			if t := defs.R4.Resource(v.Str("resourceType")); t != nil && !t.Abstract {
				w.resource(v, t, false)
			}
			return
		}
	}
	w.object(v, node)
}
