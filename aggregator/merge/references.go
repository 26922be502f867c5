package merge

import (
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
// The walk is aggregator/rules' TypedWalk, the one the rules check with.
func RewriteReferences(res *fhirjson.Value, resolve func(typ, id string) (downID string, ok bool)) (missing []rules.Ref) {
	w := &refWalker{resolve: resolve}
	w.Visit = func(typeCode string, v *fhirjson.Value) bool {
		if typeCode == "Reference" {
			w.reference(v)
		}
		return true
	}
	w.Resource(res)
	return w.missing
}

type refWalker struct {
	rules.TypedWalk
	resolve func(typ, id string) (string, bool)
	missing []rules.Ref
}

func (w *refWalker) reference(v *fhirjson.Value) {
	typ, id, ok := strings.Cut(v.Str("reference"), "/")
	if !ok || id == "" || strings.Contains(id, "/") || defs.R4.Resource(typ) == nil {
		return
	}
	down, ok := w.resolve(typ, id)
	if !ok {
		w.missing = append(w.missing, rules.Ref{Type: typ, ID: id, Expression: string(w.Path)})
		return
	}
	v.Set("reference", fhirjson.NewString(typ+"/"+down))
}
