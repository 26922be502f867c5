package search

import (
	"context"
	"fmt"
	"iter"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// A Policy decides per type; a Visibility decides per resource: the
// aggregator's customer sees the Observations of its own patients only. It
// is applied where the engine reads the store, not to finished pages: every
// index scan the planner runs for a search — the searched type's clauses,
// each level of a chain, _has, the compartment, _sort, the counts behind
// _total and _summary=count, the probes and scans of _include and
// _revinclude — and every resource it loads go through a reader that drops
// what the caller may not see. A hidden resource therefore matches no
// clause, counts for nothing, takes no place on a page and is never
// included; nothing of a search tells it apart from one that never existed.

// Visibility says whether the caller may learn of one resource.
type Visibility interface {
	// Visible reports whether the caller may see typ/id (its current
	// version). It reads the store itself; it is called many times per
	// search, so it should remember its answers for the request.
	Visible(ctx context.Context, typ, id string) (bool, error)
}

type visibilityKey struct{}

// WithVisibility returns ctx carrying v: every search and conditional match
// run with that context sees only what v lets through.
func WithVisibility(ctx context.Context, v Visibility) context.Context {
	return context.WithValue(ctx, visibilityKey{}, v)
}

// VisibilityFrom returns the Visibility ctx carries, or nil.
func VisibilityFrom(ctx context.Context) Visibility {
	v, _ := ctx.Value(visibilityKey{}).(Visibility)
	return v
}

// visibleReaderFor returns rd as the context's Visibility lets it be seen
// (rd itself without one).
func visibleReaderFor(ctx context.Context, rd storage.Reader) storage.Reader {
	if v := VisibilityFrom(ctx); v != nil {
		return visibleReader{rd: rd, vis: v}
	}
	return rd
}

// visibleReader is a storage.Reader without the resources vis hides. It
// implements no CountIndex, so counts fall back to scanning (and filtering)
// the index.
type visibleReader struct {
	rd  storage.Reader
	vis Visibility
}

func (r visibleReader) Get(ctx context.Context, typ, id string) (*storage.Record, error) {
	ok, err := r.vis.Visible(ctx, typ, id)
	if err != nil {
		return nil, fmt.Errorf("visibility of %s/%s: %w", typ, id, err)
	}
	if !ok {
		return nil, storage.ErrNotFound
	}
	return r.rd.Get(ctx, typ, id)
}

func (r visibleReader) ScanIndex(ctx context.Context, q storage.IndexQuery) iter.Seq2[storage.IndexHit, error] {
	return onlyVisible(ctx, r.vis, q.Type, r.rd.ScanIndex(ctx, q), func(h storage.IndexHit) string { return h.ID })
}

func (r visibleReader) ScanType(ctx context.Context, typ, afterID string) iter.Seq2[*storage.Record, error] {
	return onlyVisible(ctx, r.vis, typ, r.rd.ScanType(ctx, typ, afterID), func(rec *storage.Record) string { return rec.ID })
}

// onlyVisible is seq (items of resources of typ) without the items whose
// resource vis hides; a scan error, or an error of vis, ends it.
func onlyVisible[T any](ctx context.Context, vis Visibility, typ string, seq iter.Seq2[T, error], id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			if err != nil {
				yield(v, err)
				return
			}
			ok, err := vis.Visible(ctx, typ, id(v))
			if err != nil {
				var zero T
				yield(zero, fmt.Errorf("visibility of %s/%s: %w", typ, id(v), err))
				return
			}
			if ok && !yield(v, nil) {
				return
			}
		}
	}
}

// Count counts the visible resources of typ from the _id parameter's sort
// entries (one per live resource), reading no bodies of its own.
func (r visibleReader) Count(ctx context.Context, typ string) (int64, error) {
	var n int64
	rg := prefixRange([]byte{tagSortOne}) // _id has one value: one entry
	err := scan(ctx, r, typ, "_id", rg, func([]byte, string) { n++ })
	return n, err
}

// CompartmentOwners returns the ids of the compartment instances of type
// compartment ("Patient") whose compartment holds res, a resource of typ:
// the targets of typ's compartment parameters that are of that type, and
// res itself when it is of that type. A visibility filter asks this to
// decide whose data a resource is; the answer is the one a compartment
// search (Patient/1/*) gives, from the same parameters.
func (e *Engine) CompartmentOwners(compartment, typ string, res *fhirjson.Value) []string {
	comp := e.v.Compartment(compartment)
	if comp == nil {
		return nil
	}
	var out []string
	if typ == compartment {
		if id := res.Str("id"); id != "" {
			out = append(out, id)
		}
	}
	n := e.refs()
	env := &fhirpath.Env{Resolve: e.resolveTypeOnly}
	for _, code := range comp.Params(typ) {
		p := e.reg.lookup(typ, code)
		if p == nil || p.expr == nil {
			continue
		}
		items, err := p.expr.Evaluate(env, res, e.v)
		if err != nil {
			continue // indexes nothing either, so a compartment search would not find it
		}
		for _, v := range n.referenceValues("", toItems(items), true) {
			for _, k := range v.keys {
				if k[0] != 'r' {
					continue
				}
				ref, _, _ := readStr(k[1:])
				if t, id, ok := n.split(ref); ok && t == compartment {
					out = append(out, id)
				}
			}
		}
	}
	return sortedSet(out)
}
