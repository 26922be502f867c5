package search

import (
	"context"
	"net/http"
	"slices"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// compartmentIDs returns the resources of typ in the compartment ref (e.g.
// the Observations in Patient/123): those whose compartment parameters of
// the CompartmentDefinition reference ref, and ref itself when typ is the
// compartment's own type ("{def}").
func (e *Engine) compartmentIDs(ctx context.Context, rd storage.Reader, typ string, ref *CompartmentRef) (idSet, error) {
	codes, target, ok := e.compartmentLinks(typ, ref)
	if !ok {
		return nil, outcome.New(http.StatusNotFound, outcome.CodeNotFound, "", "%s is not a compartment", ref.Type)
	}
	var ids []string
	if typ == ref.Type {
		ids = append(ids, ref.ID)
	}
	for _, code := range codes {
		if err := scan(ctx, rd, typ, code, target, func(_ []byte, id string) { ids = append(ids, id) }); err != nil {
			return nil, err
		}
	}
	return newIDSet(ids), nil
}

// compartmentLinks returns the indexed parameters by which typ's resources
// belong to the compartment ref, and the index range of a reference to ref
// in them; ok is false when ref names no compartment. The focus itself is
// in its compartment too, which the definitions say with "{def}" in STU3
// and leave implicit in R4: callers add it when typ is ref's type.
func (e *Engine) compartmentLinks(typ string, ref *CompartmentRef) (codes []string, target scanRange, ok bool) {
	comp := e.v.Compartment(ref.Type)
	if comp == nil {
		return nil, scanRange{}, false
	}
	for _, code := range comp.Params(typ) {
		p := e.reg.lookup(typ, code)
		if code == "{def}" || p == nil || p.expr == nil {
			continue
		}
		if !slices.Contains(codes, p.key) {
			codes = append(codes, p.key)
		}
	}
	return codes, exactRange(appendStr([]byte{'r'}, ref.Type+"/"+ref.ID)), true
}

// inCompartment reports whether typ has any link to compartment code.
func (e *Engine) inCompartment(typ, code string) bool {
	c := e.v.Compartment(code)
	return c != nil && (typ == code || len(c.Params(typ)) > 0)
}

// compartmentStream is compartmentIDs as a seeker: the OR of the exact
// reference entries, and the focus itself; ok is false when ref names no
// compartment (the materialising path reports it) or the OR is too long to
// seek in.
func (e *Engine) compartmentStream(typ string, ref *CompartmentRef) (seeker, bool) {
	codes, target, ok := e.compartmentLinks(typ, ref)
	if !ok || len(codes) > maxUnionStreams {
		return nil, false
	}
	var u unionStream
	for _, code := range codes {
		u = append(u, idStream{typ: typ, code: code, key: target.lo, hi: target.hi})
	}
	if typ == ref.Type {
		u = append(u, fixedID(ref.ID))
	}
	return u, true
}
