package search

import (
	"bytes"
	"slices"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Tags of the sort entries (doc.go). A resource whose values of a
// parameter all have one sort key gets one entry, tagSortOne, which serves
// both directions; one whose values sort apart gets its least key under
// tagSortMin and its greatest under tagSortMax. So tagSortMin and
// tagSortOne hold each resource's ascending key once (and are its presence:
// :missing, and every id through _id's), tagSortOne and tagSortMax its
// descending key once, and the tags are adjacent: each pair is one range.
// A resource's one value of a string, token or date parameter is written
// under these tags in place of its value entry (mergedTag), so they hold
// values too: a string or token's under tagSortOne, a date's under
// tagSortMin and tagSortMax.
const (
	tagSortMin = '}'
	tagSortOne = '~'
	tagSortMax = 0x7f
)

// sortTags returns the two tags whose entries hold each resource's key for
// one direction, in byte order.
func sortTags(desc bool) [2]byte {
	if desc {
		return [2]byte{tagSortOne, tagSortMax}
	}
	return [2]byte{tagSortMin, tagSortOne}
}

// sortRange is the range of every entry of one direction's two tags.
func sortRange(desc bool) scanRange {
	t := sortTags(desc)
	return scanRange{lo: []byte{t[0]}, hi: []byte{t[1] + 1}}
}

// presentRange holds one entry per resource with a value of the parameter.
func presentRange() scanRange { return sortRange(false) }

// maxCompositeTuples bounds the cross product of composite components.
const maxCompositeTuples = 64

// indexed is one resource whose index values are being computed: one
// FHIRPath evaluator serves every parameter's expression.
type indexed struct {
	ev   *fhirpath.Evaluator
	id   string
	keys keyArena // the bytes of its entries
	its  []item   // one parameter's items at a time (values)
}

// arena is where r's index keys are made (nil: one allocation each).
func (r *indexed) arena() *keyArena {
	if r == nil {
		return nil
	}
	return &r.keys
}

func (e *Engine) indexing(res *fhirjson.Value) *indexed {
	return &indexed{ev: fhirpath.NewEvaluator(&fhirpath.Env{Resolve: e.resolveTypeOnly}, res, e.v), id: res.Str("id")}
}

// paramEntries appends the entries p (whose code is code) gives r.
func (e *Engine) paramEntries(out []storage.IndexEntry, code string, p *param, r *indexed) []storage.IndexEntry {
	sortable, own := p.ownEntries(code)
	if !own {
		return out
	}
	return appendEntries(out, code, e.paramValues(p, r), sortable, p.parts == nil)
}

// ownEntries reports whether p (whose code is code) writes entries of its
// own — not when it is not indexed, indexed under p.key, or a composite
// union — and whether they include sort entries.
func (p *param) ownEntries(code string) (sortable, own bool) {
	sortable = p.typ != "composite" && !isNear(p)
	return sortable, p.expr != nil && p.key == code && (p.parts == nil || sortable)
}

// paramValues evaluates p over r and turns the items into index values. An
// expression that fails on one resource indexes nothing for it; the
// conformance test keeps such failures at zero over the examples.
func (e *Engine) paramValues(p *param, r *indexed) []indexValue {
	items, err := r.ev.Evaluate(p.expr)
	if err != nil || len(items) == 0 {
		return nil
	}
	return e.values(p, r.id, items, r)
}

// values turns the expression's items into index values by parameter type.
func (e *Engine) values(p *param, ownID string, items []fhirpath.Item, r *indexed) []indexValue {
	if p.typ == "composite" && !isNear(p) {
		return e.compositeValues(p, items, r) // which calls values for each component
	}
	// One parameter's items at a time: none of the builders below keeps them.
	var its []item
	if r != nil {
		r.its = appendItems(r.its[:0], items)
		its = r.its
	} else {
		its = toItems(items)
	}
	if isNear(p) {
		return nearValues(its)
	}
	switch p.typ {
	case "string":
		return stringValues(its, r.arena())
	case "token":
		return tokenValuesOf(its, true, p.systemless, r.arena())
	case "reference":
		if p.forward != "" {
			ownID = "" // its forward entries are p.forward's
		}
		return e.refs().referenceValues(ownID, its, !p.oneTarget)
	case "date":
		return dateValues(its)
	case "number":
		return numberValues(its)
	case "quantity":
		return quantityValues(its)
	case "uri":
		return uriValues(its)
	}
	return nil
}

func toItems(items []fhirpath.Item) []item { return appendItems(make([]item, 0, len(items)), items) }

func appendItems(out []item, items []fhirpath.Item) []item {
	for _, it := range items {
		if it.IsNode() {
			if it.Node() != nil {
				out = append(out, item{typ: it.FHIRType(), v: it.Node()})
			}
			continue
		}
		if v, ok := it.Value(); ok {
			out = append(out, item{sys: v})
		}
	}
	return out
}

// appendEntries adds the distinct keys of vals (unless only the sort
// entries are wanted: a union's values are its parts' entries) and, when
// the parameter can be sorted on (every type but composite), its sort
// entries. A resource with one value of a string, token, number, quantity
// or date parameter writes that value's entry under the sort tags (merged,
// doc.go), which
// serves as its sort entry too; one with several values of a string,
// token, number or quantity parameter writes the entry of its least value
// under tagSortMin and of its greatest under tagSortMax (folded), the
// others under their own tag; one with several dates writes its least and
// greatest sort keys under tagSortMin and tagSortMax besides its values,
// and a parameter of another type one tagSortOne entry when its values'
// least and greatest sort keys are the same, else those two.
func appendEntries(out []storage.IndexEntry, code string, vals []indexValue, sortable, values bool) []storage.IndexEntry {
	n := 0
	for _, v := range vals {
		n += len(v.keys)
	}
	keys := make([][]byte, 0, n)
	var lo, hi []byte
	for _, v := range vals {
		keys = append(keys, v.keys...)
		if v.sort != nil {
			if lo == nil || bytes.Compare(v.sort, lo) < 0 {
				lo = v.sort
			}
			h := v.sortHi
			if h == nil {
				h = v.sort
			}
			if hi == nil || bytes.Compare(h, hi) > 0 {
				hi = h
			}
		}
	}
	if len(keys) == 0 {
		return out
	}
	if values {
		slices.SortFunc(keys, bytes.Compare)
		keys = slices.CompactFunc(keys, bytes.Equal)
	}
	merging := values && sortable && mergesValues(keys)
	if merging && lo != nil && mergeable(keys, lo, hi) {
		for _, k := range keys {
			// The keys are this resource's own, built for this call: the
			// tag is replaced in place (lo and hi, read above, start after
			// it).
			if t := mergedTag(k[0]); t != 0 {
				k[0] = t
			}
			out = append(out, storage.IndexEntry{Param: code, Value: k})
		}
		return out
	}
	if merging && lo != nil {
		if least, greatest, ok := foldable(keys, lo, hi); ok {
			// As when merged, the tags are replaced in place.
			keys[least][0], keys[greatest][0] = tagSortMin, tagSortMax
			for _, k := range keys {
				out = append(out, storage.IndexEntry{Param: code, Value: k})
			}
			return out
		}
	}
	if values {
		for _, k := range keys {
			out = append(out, storage.IndexEntry{Param: code, Value: k})
		}
	}
	if !sortable {
		return out
	}
	if lo == nil {
		lo, hi = []byte{}, []byte{}
	}
	// A merging parameter's tagSortOne entries are values (a query reads
	// them): a sort key alone goes under the other two tags.
	if bytes.Equal(lo, hi) && (!merging || len(lo) == 0) {
		return append(out, storage.IndexEntry{Param: code, Value: append([]byte{tagSortOne}, lo...)})
	}
	// Both sort entries in one allocation.
	b := make([]byte, 0, 2+len(lo)+len(hi))
	minEntry := append(append(b, tagSortMin), lo...)
	maxEntry := append(append(minEntry[len(minEntry):], tagSortMax), hi...)
	out = append(out, storage.IndexEntry{Param: code, Value: minEntry[:len(minEntry):len(minEntry)]})
	return append(out, storage.IndexEntry{Param: code, Value: maxEntry})
}

// mergedTag is the sort tag an entry of tag t is written under when it is
// its resource's one value of the parameter (0: never merged): a token's
// code ('k'), a string ('n'), a number ('v') and a quantity's value ('q')
// sort the same both ways and go under tagSortOne; a date's start-first entry ('l') is its ascending key and
// goes under tagSortMin, its end-first one ('h') under tagSortMax. Each of
// these tags belongs to one parameter type.
func mergedTag(t byte) byte {
	switch t {
	case 'k', 'n', 'v', 'q':
		return tagSortOne
	case 'l':
		return tagSortMin
	case 'h':
		return tagSortMax
	}
	return 0
}

// mergesValues reports whether the parameter whose sorted, distinct keys
// are keys is of a type whose single values are merged.
func mergesValues(keys [][]byte) bool {
	for _, k := range keys {
		if mergedTag(k[0]) != 0 {
			return true
		}
	}
	return false
}

// mergeable reports whether keys (sorted, distinct) hold one value: one
// entry of each merged tag present, each starting with the sort key of its
// direction, so that entry orders the resource as a sort entry would.
func mergeable(keys [][]byte, lo, hi []byte) bool {
	var seen [256]bool
	for _, k := range keys {
		t := mergedTag(k[0])
		if t == 0 {
			continue
		}
		if seen[k[0]] {
			return false
		}
		seen[k[0]] = true
		key := lo
		if t == tagSortMax {
			key = hi
		} else if t == tagSortOne && !bytes.Equal(lo, hi) {
			return false
		}
		if !bytes.HasPrefix(k[1:], key) {
			return false
		}
	}
	return seen['l'] == seen['h'] // a date's two entries are its two sort entries
}

// foldable finds, among keys (sorted, distinct) of several values of a
// string, token, number or quantity parameter, the entry of the value whose
// sort key is lo and the entry of the one whose sort key is hi: each such
// entry's payload starts with its value's sort key, which str() and the
// number encoding end unambiguously, so the first entry starting with lo
// is the least value's and the last starting with hi the greatest's. Their
// entries can then be written as the sort entries (folded) — the entries
// sort as the sort keys would, and the resource still has an entry per
// value. ok is false when there are no two such entries (a date's values,
// whose entries are not both sort keys, keep separate sort entries).
func foldable(keys [][]byte, lo, hi []byte) (least, greatest int, ok bool) {
	least, greatest = -1, -1
	for i, k := range keys {
		if mergedTag(k[0]) != tagSortOne {
			continue
		}
		if least < 0 && bytes.HasPrefix(k[1:], lo) {
			least = i
		}
		if bytes.HasPrefix(k[1:], hi) {
			greatest = i
		}
	}
	return least, greatest, least >= 0 && greatest >= 0 && least != greatest
}

// resolveTypeOnly answers resolve() for `resolve() is Patient` without
// loading anything: the type is the reference's own.
func (e *Engine) resolveTypeOnly(ref string) (string, *fhirjson.Value, bool) {
	n := e.refs()
	if typ, _, ok := n.split(n.normalize(ref)); ok {
		return typ, nil, true
	}
	return "", nil, false
}

func (e *Engine) refs() refNormalizer {
	base := e.opts.BaseURL
	if base != "" && base[len(base)-1] != '/' {
		base += "/"
	}
	return refNormalizer{base: base, isType: func(t string) bool { return e.reg.isType[t] }}
}
