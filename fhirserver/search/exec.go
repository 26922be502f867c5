package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// idSet is a sorted list of distinct resource ids. Clauses produce them
// from index scans and AND intersects them by merging.
type idSet []string

func newIDSet(ids []string) idSet {
	slices.Sort(ids)
	return idSet(slices.Compact(ids))
}

func (s idSet) contains(id string) bool {
	_, ok := slices.BinarySearch(s, id)
	return ok
}

func intersect(a, b idSet) idSet {
	out := make(idSet, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

func subtract(a, b idSet) idSet {
	out := make(idSet, 0, len(a))
	for i, j := 0, 0; i < len(a); {
		switch {
		case j >= len(b) || a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			j++
		default:
			i, j = i+1, j+1
		}
	}
	return out
}

// scan collects the ids of the index entries of (typ, code) in r that pass
// its filter.
func scan(ctx context.Context, rd storage.Reader, typ, code string, r scanRange, fn func(value []byte, id string)) error {
	for hit, err := range rd.ScanIndex(ctx, storage.IndexQuery{Type: typ, Param: code, Lo: r.lo, Hi: r.hi}) {
		if err != nil {
			return fmt.Errorf("search %s.%s: %w", typ, code, err)
		}
		if r.filter == nil || r.filter(hit.Value) {
			fn(hit.Value, hit.ID)
		}
	}
	return nil
}

// planIDs returns the ids matching one value plan in the entries of typ
// under any of codes (a parameter's indexKeys).
func (e *Engine) planIDs(ctx context.Context, rd storage.Reader, typ string, codes []string, p valuePlan) (idSet, error) {
	var ids []string
	for _, code := range codes {
		for _, r := range p.ranges {
			if err := scan(ctx, rd, typ, code, r, func(_ []byte, id string) { ids = append(ids, id) }); err != nil {
				return nil, err
			}
		}
	}
	set := newIDSet(ids)
	if p.negate {
		all, err := e.allIDs(ctx, rd, typ)
		if err != nil {
			return nil, err
		}
		return subtract(all, set), nil
	}
	return set, nil
}

// allIDs lists every live id of typ from the _id parameter's sort entries,
// one key per resource and no resource bodies read.
func (e *Engine) allIDs(ctx context.Context, rd storage.Reader, typ string) (idSet, error) {
	var ids []string
	r := prefixRange([]byte{tagSortOne}) // _id has one value: one entry
	if err := scan(ctx, rd, typ, "_id", r, func(_ []byte, id string) { ids = append(ids, id) }); err != nil {
		return nil, err
	}
	return newIDSet(ids), nil
}

// clauseIDs evaluates one clause (its values ORed).
func (e *Engine) clauseIDs(ctx context.Context, rd storage.Reader, c *clause) (idSet, error) {
	switch {
	case c.has != nil:
		return e.hasIDs(ctx, rd, c)
	case c.chain != nil:
		return e.chainIDs(ctx, rd, c)
	case c.missing:
		present, err := e.planIDs(ctx, rd, c.typ, []string{c.param.key}, valuePlan{ranges: []scanRange{presentRange()}})
		if err != nil || c.values[0] == "false" {
			return present, err
		}
		all, err := e.allIDs(ctx, rd, c.typ)
		if err != nil {
			return nil, err
		}
		return subtract(all, present), nil
	}
	var union []string
	for _, v := range c.values {
		p, err := e.simplePlan(c.param, c.key, c.modifier, v)
		if err != nil {
			return nil, err
		}
		ids, err := e.planIDs(ctx, rd, c.typ, c.param.indexKeys(), p)
		if err != nil {
			return nil, err
		}
		union = append(union, ids...)
	}
	set := newIDSet(union)
	if c.negate {
		all, err := e.allIDs(ctx, rd, c.typ)
		if err != nil {
			return nil, err
		}
		return subtract(all, set), nil
	}
	return set, nil
}

// matchIDs evaluates every clause and intersects; all ids when there are none.
func (e *Engine) matchIDs(ctx context.Context, rd storage.Reader, typ string, clauses []*clause) (idSet, error) {
	if len(clauses) == 0 {
		return e.allIDs(ctx, rd, typ)
	}
	var acc idSet
	for i, c := range clauses {
		ids, err := e.clauseIDs(ctx, rd, c)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			acc = ids
		} else {
			acc = intersect(acc, ids)
		}
		if len(acc) == 0 {
			break
		}
	}
	return acc, nil
}

// indexCounter is a reader that counts the index keys of a query without
// decoding them (*storage.Store and *storage.Tx do; storage.Reader does not
// promise it). Decoding each hit costs about a microsecond, which would keep
// a count of a million matches above the 200 ms target.
type indexCounter interface {
	CountIndex(ctx context.Context, q storage.IndexQuery) (int64, error)
}

// fastCount counts matches without building a set when the query is one
// exact-valued clause (e.g. code=system|code): every resource has that
// entry at most once, so counting keys is counting resources. ok is false
// when the shortcut does not apply.
func (e *Engine) fastCount(ctx context.Context, rd storage.Reader, typ string, clauses []*clause) (int, bool, error) {
	if len(clauses) == 0 {
		n, err := rd.Count(ctx, typ)
		return int(n), true, err
	}
	if len(clauses) != 1 {
		return 0, false, nil
	}
	c := clauses[0]
	if c.param == nil || c.param.parts != nil || c.chain != nil || c.missing || c.negate || len(c.values) != 1 {
		return 0, false, nil // a union's parts may both hold a resource
	}
	p, err := e.simplePlan(c.param, c.key, c.modifier, c.values[0])
	if err != nil || !exactPlan(p) {
		return 0, false, err
	}
	// One range, or a range and its twin, which no resource is in both of.
	n := 0
	counter, counts := rd.(indexCounter)
	for _, r := range p.ranges {
		q := storage.IndexQuery{Type: typ, Param: c.param.key, Lo: r.lo, Hi: r.hi}
		if counts {
			m, err := counter.CountIndex(ctx, q)
			if err != nil {
				return 0, false, err
			}
			n += int(m)
			continue
		}
		for _, err := range rd.ScanIndex(ctx, q) {
			if err != nil {
				return 0, false, fmt.Errorf("count %s.%s: %w", typ, c.param.code, err)
			}
			n++
		}
	}
	return n, true, nil
}
