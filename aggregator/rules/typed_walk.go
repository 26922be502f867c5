package rules

import (
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// TypedWalk walks a resource alongside its R4 definitions and hands every
// object value whose element type is Reference, Identifier or Resource (a
// contained or Bundle.entry resource) to Visit: at any depth, choice types
// (valueReference), backbone elements and primitives' extensions
// ("_birthDate") included, so no caller lists element paths by hand. The
// rules' checks and aggregator/merge's reference rewriting both walk with it.
//
// Path is the FHIRPath of the value being visited. It lives in one buffer
// that grows and shrinks with the walk, so a caller pays for a string only
// where it keeps one (string(w.Path)).
//
// The walk is lenient: properties the definitions do not know and values of
// the wrong JSON kind are skipped, since syntax is the customer server's job
// and an aggregator step must never fail on what it does not understand.
type TypedWalk struct {
	Path []byte
	// Visit sees one Reference, Identifier or Resource value; returning
	// false skips what is inside it.
	Visit func(typeCode string, v *fhirjson.Value) (descend bool)
}

// Resource walks res from its root; the path starts as its type's name.
// A resource of no R4 type is not walked.
func (w *TypedWalk) Resource(res *fhirjson.Value) {
	t := defs.R4.Resource(res.Str("resourceType"))
	if t == nil || t.Abstract {
		return
	}
	w.Path = append(w.Path[:0], t.Name...)
	w.object(res, t.Root)
}

// object walks the members of o, described by node.
func (w *TypedWalk) object(o *fhirjson.Value, node *defs.Node) {
	if node == nil {
		return
	}
	for i := range o.Members {
		m := &o.Members[i]
		name := m.Name
		if len(name) > 1 && name[0] == '_' {
			// A primitive's extensions may hold a valueReference or
			// valueIdentifier too.
			if prop := node.Prop(name[1:]); prop != nil && prop.Primitive {
				w.values(name[1:], prop.Type.Root, nil, m.Value)
			}
			continue
		}
		prop := node.Prop(name)
		if prop == nil || prop.Primitive {
			continue
		}
		w.values(name, prop.Children, prop, m.Value)
	}
}

// values walks the value (or the array of values) of one property.
func (w *TypedWalk) values(name string, node *defs.Node, prop *defs.Prop, v *fhirjson.Value) {
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

// element visits one object value if its type is one Visit wants, then
// walks into it. prop is nil for a primitive's "_" object.
func (w *TypedWalk) element(node *defs.Node, prop *defs.Prop, v *fhirjson.Value) {
	if prop != nil {
		switch prop.TypeCode {
		case "Reference", "Identifier":
			if !w.Visit(prop.TypeCode, v) {
				return
			}
		case "Resource":
			// The nested resource says its own type.
			if t := defs.R4.Resource(v.Str("resourceType")); t != nil && !t.Abstract && w.Visit(prop.TypeCode, v) {
				w.object(v, t.Root)
			}
			return
		}
	}
	w.object(v, node)
}

func (w *TypedWalk) pushName(name string) int {
	n := len(w.Path)
	w.Path = append(w.Path, '.')
	w.Path = append(w.Path, name...)
	return n
}

func (w *TypedWalk) pushIndex(i int) int {
	n := len(w.Path)
	w.Path = append(w.Path, '[')
	w.Path = strconv.AppendInt(w.Path, int64(i), 10)
	w.Path = append(w.Path, ']')
	return n
}

func (w *TypedWalk) pop(n int) { w.Path = w.Path[:n] }
