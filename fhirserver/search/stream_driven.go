package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// A search without _sort leaves the order to the server. When every clause
// is of exact values the result is in id order and streams by a leapfrog
// join (stream.go). A prefix or range clause (family=Smi, date=ge2020)
// holds many values, so its index entries are in (value, id) order, not id
// order; such a search is ordered by one of those clauses, its driver: by
// the least value of the driver's range a resource has, then by id. A page
// is then one walk of the driver's index from the cursor's (value, id),
// each entry checked against the other clauses (a seek per exact clause,
// the resource itself for the rest), and each resource shown at its least
// value in range only: an entry is passed over when the resource has a
// smaller value in range, which the resource itself tells. The
// materialising path orders by the same key (allHits), so a cursor works
// on both and a walk that passes over too many entries can fall back to it.

// driver is the clause an unsorted search is ordered by, and its one range
// with, for a string, number, quantity or date parameter, that range's
// twins (withTwin): their entries are read as the range's, their tag set
// back to the range's.
type driver struct {
	c     *clause
	r     scanRange
	twins []scanRange
}

// runs are the driver's ranges as the runs of one walk after `after` (nil:
// from the start), in reverse when back.
func (d driver) runs(typ string, after *storage.IndexHit, back bool) []indexRun {
	q := storage.IndexQuery{Type: typ, Param: d.c.param.key, Lo: d.r.lo, Hi: d.r.hi, Reverse: back, After: after}
	runs := []indexRun{{q: q}}
	for _, tw := range d.twins {
		q := q
		q.Lo, q.Hi = tw.lo, tw.hi
		if after != nil {
			q.After = &storage.IndexHit{Value: append([]byte{tw.lo[0]}, after.Value[1:]...), ID: after.ID}
		}
		runs = append(runs, indexRun{q: q, keep: tw.filter, retag: d.r.lo[0]})
	}
	return runs
}

// driverOf returns the driver of the unsorted single-type search q: its
// first clause of one value answered by one range of index values that
// does not hold a single value (a string prefix, a date, number or quantity
// range). ok is false when q is ordered by id: a _sort, only exact clauses
// (which stream in id order), or no clause of that shape.
func (e *Engine) driverOf(typ string, q *query) (driver, bool) {
	if len(q.sort) != 0 || len(q.clauses) == 0 {
		return driver{}, false
	}
	if _, ok := e.exactStreams(typ, q.clauses); ok {
		return driver{}, false
	}
	for _, c := range q.clauses {
		if !bodyCheckable(c) || c.negate || len(c.values) != 1 || c.param.parts != nil {
			continue // a union's values are in several parameters' entries
		}
		p, err := e.simplePlan(c.param, c.key, c.modifier, c.values[0])
		if err != nil || p.negate || exactPlan(p) || (len(p.ranges) != 1 && !p.twin) {
			continue
		}
		d := driver{c: c, r: p.ranges[0]}
		if p.twin {
			d.twins = p.ranges[1:]
		}
		return d, true
	}
	return driver{}, false
}

// exactPlan reports whether p selects one exact index value (a stream in
// id order), read in one range or in a range and its twin.
func exactPlan(p valuePlan) bool {
	if !p.exact || p.negate || (len(p.ranges) != 1 && !p.twin) {
		return false
	}
	for _, r := range p.ranges {
		if r.filter != nil {
			return false
		}
	}
	return true
}

// bodyCheckable reports whether c can be decided from the resource alone:
// a parameter of its own (no chain, _has or :missing) with an expression.
func bodyCheckable(c *clause) bool {
	return c.param != nil && c.param.expr != nil && c.chain == nil && c.has == nil && !c.missing
}

// contains reports whether the index value k is in r.
func (r scanRange) contains(k []byte) bool {
	return bytes.Compare(k, r.lo) >= 0 && (r.hi == nil || bytes.Compare(k, r.hi) < 0) && (r.filter == nil || r.filter(k))
}

// driverKeys sets each hit's key to its least value in the driver's range
// (the first the ascending scan meets).
func driverKeys(ctx context.Context, rd storage.Reader, typ string, d driver, hits []hit) error {
	pos := make(map[string]int, len(hits))
	for i := range hits {
		pos[hits[i].id] = i
	}
	for h, err := range mergeRuns(ctx, rd, d.runs(typ, nil, false), false) {
		if err != nil {
			return fmt.Errorf("search %s.%s: %w", typ, d.c.param.code, err)
		}
		if d.r.filter != nil && !d.r.filter(h.Value) {
			continue
		}
		if i, ok := pos[h.ID]; ok && hits[i].keys == nil {
			hits[i].keys = [][]byte{bytes.Clone(h.Value)}
		}
	}
	return nil
}

// checks are what a walk of one index (a driver's range, a sort key's
// entries) verifies per entry: exact clauses and the compartment by a seek
// each, the rest on the resource.
type checks struct {
	seekers []seeker
	body    []bodyClause
}

// bodyClause is a clause checked on the resource, with its values' plans.
type bodyClause struct {
	c     *clause
	plans []valuePlan
}

// clauseChecks returns the checks of the clauses but skip (nil: all), and
// of the compartment; ok is false when one of them cannot be checked per
// resource.
func (e *Engine) clauseChecks(typ string, clauses []*clause, skip *clause, comp *CompartmentRef) (checks, bool) {
	var ch checks
	if comp != nil {
		s, ok := e.compartmentStream(typ, comp)
		if !ok {
			return checks{}, false
		}
		ch.seekers = append(ch.seekers, s)
	}
	for _, c := range clauses {
		if c == skip {
			continue
		}
		if s, ok := e.exactStreams(typ, []*clause{c}); ok {
			ch.seekers = append(ch.seekers, s...)
			continue
		}
		if !bodyCheckable(c) {
			return checks{}, false
		}
		bc := bodyClause{c: c}
		for _, v := range c.values {
			p, err := e.simplePlan(c.param, c.key, c.modifier, v)
			if err != nil {
				return checks{}, false // the materialising path reports it
			}
			bc.plans = append(bc.plans, p)
		}
		ch.body = append(ch.body, bc)
	}
	return ch, true
}

// streamDriven returns up to limit matches of typ in d's order after cur
// (before it, last first, when back), checking each entry of d's range with
// ch. given is true when more than maxSortProbes entries were passed over:
// the other clauses are rare, and building the match set is cheaper.
func (e *Engine) streamDriven(ctx context.Context, rd storage.Reader, typ string, d driver, ch checks, cur *cursor, back bool, limit int) (hits []hit, given bool, err error) {
	var after *storage.IndexHit
	if cur != nil {
		if len(cur.Keys) != 1 || len(cur.Keys[0]) == 0 || cur.Keys[0][0] != d.r.lo[0] {
			return nil, true, nil // not a position in this order: let page() place it
		}
		after = &storage.IndexHit{Value: cur.Keys[0], ID: cur.ID}
	}
	// From the start of the range, the walk meets each resource first at
	// its least value in range (as the index has it), so a resource already
	// met is passed over without reading its body for smaller values; after
	// a cursor, a smaller value may lie on an earlier page, which only the
	// resource tells.
	var met map[string]struct{}
	if cur == nil {
		met = make(map[string]struct{}, min(limit, 128))
	}
	// The hits, their one-key sort key slices and the key bytes are carved
	// out of three buffers sized for the page, not allocated per hit.
	hits = make([]hit, 0, min(limit, 128))
	keys := make([][]byte, 0, min(limit, 128))
	keyBytes := make([]byte, 0, 32*min(limit, 128))
	// The entries' resources are read through one iterator (storage.Loader),
	// made once the index walk has its own, as the materialised path makes it
	// after its scan: a body is never older than the entry that led to it.
	var get storage.Getter
	done := func() {}
	defer func() { done() }()
	passed := 0
	for h, err := range mergeRuns(ctx, rd, d.runs(typ, after, back), back) {
		if err != nil {
			return nil, false, fmt.Errorf("search %s.%s: %w", typ, d.c.param.code, err)
		}
		if get == nil {
			get, done = storage.NewGetter(rd)
		}
		var rec *storage.Record
		switch _, dup := met[h.ID]; {
		case met == nil:
			rec, err = e.drivenMatch(ctx, rd, get, typ, d, ch, h)
		case dup || d.r.filter != nil && !d.r.filter(h.Value):
			// passed over: met before, or not in range after all
		default:
			met[h.ID] = struct{}{}
			rec, err = e.drivenFirstMatch(ctx, rd, get, typ, d, ch, h)
		}
		if err != nil {
			return nil, false, err
		}
		if rec == nil {
			if passed++; passed > maxSortProbes {
				return nil, true, nil
			}
			continue
		}
		start := len(keyBytes)
		keyBytes = append(keyBytes, h.Value...)
		keys = append(keys, keyBytes[start:len(keyBytes):len(keyBytes)])
		hits = append(hits, hit{typ: typ, id: h.ID, keys: keys[len(keys)-1 : len(keys) : len(keys)], rec: rec})
		if len(hits) == limit {
			break
		}
	}
	return hits, false, nil
}

// drivenMatch returns the resource of the driver's entry h when it matches
// every check and h is its least value in range; nil when not.
func (e *Engine) drivenMatch(ctx context.Context, rd storage.Reader, get storage.Getter, typ string, d driver, ch checks, h storage.IndexHit) (*storage.Record, error) {
	if d.r.filter != nil && !d.r.filter(h.Value) {
		return nil, nil
	}
	if in, err := memberOfAll(ctx, rd, ch.seekers, h.ID); err != nil || !in {
		return nil, err
	}
	rec, res, err := loadParsed(ctx, get, typ, h.ID)
	if rec == nil {
		return nil, err
	}
	// Shown at its least value in range only. Only a smaller value the
	// resource has passes it over, so a resource is never lost to an index
	// that lags its body (a write between the scan and the load).
	for _, k := range e.paramKeys(d.c.param, res) {
		if bytes.Compare(k, h.Value) < 0 && d.r.contains(k) {
			return nil, nil
		}
	}
	if !e.bodyHoldsAll(ch, res) {
		return nil, nil
	}
	return rec, nil
}

// drivenFirstMatch is drivenMatch for an entry in range that the walk from
// the start of the range met first: it is the resource's least value in
// range, so the body is read only when a clause is checked on it.
func (e *Engine) drivenFirstMatch(ctx context.Context, rd storage.Reader, get storage.Getter, typ string, d driver, ch checks, h storage.IndexHit) (*storage.Record, error) {
	if len(ch.body) != 0 {
		return e.drivenMatch(ctx, rd, get, typ, d, ch, h)
	}
	if in, err := memberOfAll(ctx, rd, ch.seekers, h.ID); err != nil || !in {
		return nil, err
	}
	return loadLive(ctx, get, typ, h.ID)
}

// loadLive loads the current version of typ/id; nil when it is gone
// (deleted, or never there: deleted since its index entry was read).
func loadLive(ctx context.Context, get storage.Getter, typ, id string) (*storage.Record, error) {
	rec, err := get.Get(ctx, typ, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && rec.Deleted) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("search: load %s/%s: %w", typ, id, err)
	}
	return rec, nil
}

// passes reports whether typ/id passes every check.
func (e *Engine) passes(ctx context.Context, rd storage.Reader, typ string, ch checks, id string) (bool, error) {
	if in, err := memberOfAll(ctx, rd, ch.seekers, id); err != nil || !in || len(ch.body) == 0 {
		return in, err
	}
	rec, res, err := loadParsed(ctx, rd, typ, id)
	return rec != nil && e.bodyHoldsAll(ch, res), err
}

// loadParsed loads and parses typ/id; rec is nil when it is gone (deleted
// since its index entry was read).
func loadParsed(ctx context.Context, get storage.Getter, typ, id string) (*storage.Record, *fhirjson.Value, error) {
	rec, err := loadLive(ctx, get, typ, id)
	if rec == nil || err != nil {
		return nil, nil, err
	}
	res, err := fhirjson.Parse(rec.JSON)
	if err != nil {
		return nil, nil, fmt.Errorf("search: parse %s/%s: %w", typ, id, err)
	}
	return rec, res, nil
}

// bodyHoldsAll reports whether res satisfies every clause checked on it.
func (e *Engine) bodyHoldsAll(ch checks, res *fhirjson.Value) bool {
	for _, bc := range ch.body {
		if !e.bodyHolds(bc, res) {
			return false
		}
	}
	return true
}

// paramKeys returns the index values (sort entries aside) p gives res, as
// IndexEntries computes them when the resource is written.
func (e *Engine) paramKeys(p *param, res *fhirjson.Value) [][]byte {
	var keys [][]byte
	for _, v := range e.paramValues(p, e.indexing(res)) {
		keys = append(keys, v.keys...)
	}
	return keys
}

// bodyHolds evaluates a clause on the resource as clauseIDs does on the
// index: its values ORed, each matching when a value of the resource is in
// its ranges (or, negated, none is), the whole negated by :not.
func (e *Engine) bodyHolds(bc bodyClause, res *fhirjson.Value) bool {
	keys := e.paramKeys(bc.c.param, res)
	holds := false
	for _, p := range bc.plans {
		in := false
		for _, r := range p.ranges {
			for _, k := range keys {
				if r.contains(k) {
					in = true
					break
				}
			}
		}
		if in != p.negate {
			holds = true
			break
		}
	}
	return holds != bc.c.negate
}
