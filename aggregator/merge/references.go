package merge

import (
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// RewriteReferences points every Reference of res, at any depth (choice
// types, extensions, primitives' extensions, contained resources), at the
// downstream id of its target: resolve maps an upstream Type/id (as
// aggregator/rules left it) to the target's downstream id (CopyID, or the
// GroupID of the group a merged target is in). What resolve does not know
// yet is left as it is and returned, with its FHIRPath, so the pipeline can
// hold the resource back until the target arrives. A reference that is no
// Type/id (aggregator/rules excludes those) is left alone.
//
// The walk mirrors aggregator/rules' walker (unexported there, and bound to
// its checks); both follow defs.R4 so neither lists element paths by hand.
func RewriteReferences(res *fhirjson.Value, resolve func(typ, id string) (downID string, ok bool)) (missing []rules.Ref) {
	t := defs.R4.Resource(res.Str("resourceType"))
	if t == nil || t.Abstract {
		return nil
	}
	w := &refWalker{resolve: resolve, path: []byte(t.Name)}
	w.object(res, t.Root)
	return w.missing
}

type refWalker struct {
	resolve func(typ, id string) (string, bool)
	path    []byte // the FHIRPath of the current place, grown and shrunk
	missing []rules.Ref
}

func (w *refWalker) object(o *fhirjson.Value, node *defs.Node) {
	for i := range o.Members {
		m := &o.Members[i]
		if len(m.Name) > 1 && m.Name[0] == '_' {
			// A primitive's extensions may hold a valueReference.
			if prop := node.Props[m.Name[1:]]; prop != nil && prop.Primitive {
				w.values(m.Name[1:], prop.Type.Root, nil, m.Value)
			}
			continue
		}
		if prop := node.Props[m.Name]; prop != nil && !prop.Primitive {
			w.values(m.Name, prop.Children, prop, m.Value)
		}
	}
}

func (w *refWalker) values(name string, node *defs.Node, prop *defs.Prop, v *fhirjson.Value) {
	mark := len(w.path)
	w.path = append(append(w.path, '.'), name...)
	if v.Kind == fhirjson.Array {
		for i, item := range v.Items {
			if item != nil && item.Kind == fhirjson.Object {
				im := len(w.path)
				w.path = append(strconv.AppendInt(append(w.path, '['), int64(i), 10), ']')
				w.element(node, prop, item)
				w.path = w.path[:im]
			}
		}
	} else if v.Kind == fhirjson.Object {
		w.element(node, prop, v)
	}
	w.path = w.path[:mark]
}

func (w *refWalker) element(node *defs.Node, prop *defs.Prop, v *fhirjson.Value) {
	if prop != nil {
		switch prop.TypeCode {
		case "Reference":
			w.reference(v)
		case "Resource":
			if t := defs.R4.Resource(v.Str("resourceType")); t != nil && !t.Abstract {
				w.object(v, t.Root)
			}
			return
		}
	}
	if node != nil {
		w.object(v, node)
	}
}

func (w *refWalker) reference(v *fhirjson.Value) {
	typ, id, ok := strings.Cut(v.Str("reference"), "/")
	if !ok || id == "" || strings.Contains(id, "/") || defs.R4.Resource(typ) == nil {
		return
	}
	down, ok := w.resolve(typ, id)
	if !ok {
		w.missing = append(w.missing, rules.Ref{Type: typ, ID: id, Expression: string(w.path)})
		return
	}
	v.Set("reference", fhirjson.NewString(typ+"/"+down))
}
