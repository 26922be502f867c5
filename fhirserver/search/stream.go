package search

import (
	"context"
	"fmt"
	"iter"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// The streaming paths below answer the common page queries without building
// the match set: a page of a search whose clauses each select one exact
// index value (ids then come out of each range already sorted), and a page
// of a whole type sorted by one parameter. They read about one page of
// index keys, so the first page costs the same for ten or a million
// matches. Anything else goes through the materialising path in search.go,
// which orders results identically, so cursors work across both.

// idStream is one clause as a sorted id sequence that can seek.
type idStream struct {
	typ, code string
	// lo/hi bound the clause's exact value range; key is that value.
	key, hi []byte
	// byID is true for the "every resource" stream over _id's sort entries,
	// where the value itself is derived from the id.
	byID bool
}

// first returns the first id >= x (strict: > x) in the stream, or "".
func (s idStream) first(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error) {
	q := storage.IndexQuery{Type: s.typ, Param: s.code, Lo: s.key, Hi: s.hi}
	switch {
	case s.byID && x != "":
		q.Lo = appendStr([]byte{tagSortOne}, x)
		if strict {
			q.After = &storage.IndexHit{Value: q.Lo, ID: x}
		}
	case x != "" && strict:
		q.After = &storage.IndexHit{Value: s.key, ID: x}
	case x != "":
		if p, ok := predecessor(x); ok {
			q.After = &storage.IndexHit{Value: s.key, ID: p}
		}
	}
	for h, err := range rd.ScanIndex(ctx, q) {
		if err != nil {
			return "", fmt.Errorf("search %s.%s: %w", s.typ, s.code, err)
		}
		if h.ID < x || (strict && h.ID == x) {
			continue // only where predecessor could not be exact
		}
		return h.ID, nil
	}
	return "", nil
}

// last is first backwards, for previous pages: the last id <= x (strict:
// < x; x "": the last of all) in the stream, or "".
func (s idStream) last(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error) {
	q := storage.IndexQuery{Type: s.typ, Param: s.code, Lo: s.key, Hi: s.hi, Reverse: true}
	if x != "" && !strict {
		if len(x) >= maxIDLen {
			// x+"\x01" would be no valid key id: look at x itself, then before it.
			if id, err := s.first(ctx, rd, x, false); err != nil || id == x {
				return id, err
			}
			strict = true
		}
	}
	if x != "" {
		// Strictly before (x, "") for strict; before x+"\x01" otherwise,
		// the least id-like string above x that a key may hold (no valid
		// id lies between them).
		bound := x
		if !strict {
			bound = x + "\x01"
		}
		v := s.key
		if s.byID {
			v = appendStr([]byte{tagSortOne}, bound)
		}
		q.After = &storage.IndexHit{Value: v, ID: bound}
	}
	for h, err := range rd.ScanIndex(ctx, q) {
		if err != nil {
			return "", fmt.Errorf("search %s.%s: %w", s.typ, s.code, err)
		}
		if x != "" && (h.ID > x || (strict && h.ID == x)) {
			continue
		}
		return h.ID, nil
	}
	return "", nil
}

// maxIDLen is the longest FHIR id (and the longest id a key may hold).
const maxIDLen = 64

// take returns up to limit ids after `after` with one scan (before it,
// last first, when back is true).
func (s idStream) take(ctx context.Context, rd storage.Reader, after string, limit int, back bool) ([]string, error) {
	q := storage.IndexQuery{Type: s.typ, Param: s.code, Lo: s.key, Hi: s.hi, Reverse: back}
	if after != "" {
		v := s.key
		if s.byID {
			v = appendStr([]byte{tagSortOne}, after)
		}
		q.After = &storage.IndexHit{Value: v, ID: after}
	}
	var out []string
	for h, err := range rd.ScanIndex(ctx, q) {
		if err != nil {
			return nil, fmt.Errorf("search %s.%s: %w", s.typ, s.code, err)
		}
		out = append(out, h.ID)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// predecessor returns an id-like string p < x such that no valid FHIR id
// ([A-Za-z0-9-.]{1,64}) lies strictly between p and x.
func predecessor(x string) (string, bool) {
	n := len(x)
	if n == 0 || x[n-1] == 0 || x[n-1] == 1 {
		return "", false
	}
	p := x[:n-1] + string([]byte{x[n-1] - 1})
	if n < 64 {
		p += "\xff"
	}
	return p, true
}

// seeker is a clause as a sorted id sequence: one exact value (idStream),
// the OR of several (unionStream) or one id (fixedID).
type seeker interface {
	first(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error)
	last(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error)
}

// seek is first, or last when back is true.
func seek(ctx context.Context, rd storage.Reader, s seeker, x string, strict, back bool) (string, error) {
	if back {
		return s.last(ctx, rd, x, strict)
	}
	return s.first(ctx, rd, x, strict)
}

// fixedID is the sequence of one id (a compartment's own resource).
type fixedID string

func (f fixedID) first(_ context.Context, _ storage.Reader, x string, strict bool) (string, error) {
	if id := string(f); id > x || (!strict && id == x) {
		return id, nil
	}
	return "", nil
}

func (f fixedID) last(_ context.Context, _ storage.Reader, x string, strict bool) (string, error) {
	if id := string(f); x == "" || id < x || (!strict && id == x) {
		return id, nil
	}
	return "", nil
}

// unionStream is a clause with several exact values (code=a,b), or a
// compartment: its first id at or after x is the least of its members'.
type unionStream []seeker

func (u unionStream) first(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error) {
	best := ""
	for _, s := range u {
		id, err := s.first(ctx, rd, x, strict)
		if err != nil {
			return "", err
		}
		if id != "" && (best == "" || id < best) {
			best = id
		}
	}
	return best, nil
}

func (u unionStream) last(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error) {
	best := ""
	for _, s := range u {
		id, err := s.last(ctx, rd, x, strict)
		if err != nil {
			return "", err
		}
		if id > best {
			best = id
		}
	}
	return best, nil
}

// exactStreams turns the clauses into streams when every value of every
// clause is one exact index value; ok is false otherwise.
func (e *Engine) exactStreams(typ string, clauses []*clause) ([]seeker, bool) {
	if len(clauses) == 0 {
		r := prefixRange([]byte{tagSortOne}) // _id has one value: one entry
		return []seeker{idStream{typ: typ, code: "_id", key: r.lo, hi: r.hi, byID: true}}, true
	}
	var out []seeker
	for _, c := range clauses {
		if c.param == nil || c.chain != nil || c.has != nil || c.missing || c.negate || len(c.values)*len(c.param.indexKeys()) > maxUnionStreams {
			return nil, false
		}
		var u unionStream
		for _, v := range c.values {
			p, err := e.simplePlan(c.param, c.key, c.modifier, v)
			if err != nil || !exactPlan(p) {
				return nil, false
			}
			for _, code := range c.param.indexKeys() {
				s := idStream{typ: typ, code: code, key: p.ranges[0].lo, hi: p.ranges[0].hi}
				if p.twin {
					u = append(u, newTwinStream(s, p.ranges[1:]))
					continue
				}
				u = append(u, s)
			}
		}
		if len(u) > maxUnionStreams {
			return nil, false
		}
		if len(u) == 1 {
			out = append(out, u[0])
		} else {
			out = append(out, u)
		}
	}
	return out, true
}

// maxUnionStreams bounds the ORed values streamed together; each is a seek
// per result, so a long list is cheaper as a set.
const maxUnionStreams = 16

// streamIDs returns up to limit ids after `after` present in every stream
// (a leapfrog join: each stream seeks to the largest id seen so far); with
// back, the ids before `after`, last first, each stream seeking to the
// smallest.
func streamIDs(ctx context.Context, rd storage.Reader, streams []seeker, after string, limit int, back bool) ([]string, error) {
	if len(streams) == 1 {
		switch s := streams[0].(type) {
		case idStream:
			return s.take(ctx, rd, after, limit, back)
		case *twinStream:
			return s.take(ctx, rd, after, limit, back)
		}
	}
	var out []string
	target, strict := after, after != ""
	for len(out) < limit {
		agreed := 0
		for i := 0; agreed < len(streams); i = (i + 1) % len(streams) {
			id, err := seek(ctx, rd, streams[i], target, strict, back)
			if err != nil || id == "" {
				return out, err
			}
			if id == target && !strict {
				agreed++
				continue
			}
			target, strict, agreed = id, false, 1
		}
		out = append(out, target)
		strict = true
	}
	return out, nil
}

// streamSorted returns up to limit hits of the type in the order of one
// sort key, after cur (before it, last first, when back), keeping those
// keep accepts (nil: all); exhausted is true when the sort entries ran out
// before limit going forward, or the cursor is past them (resources without
// a value follow the others, which only the materialising path knows).
func streamSorted(ctx context.Context, rd storage.Reader, typ string, key sortKey, cur *cursor, back bool, limit int, keep func(id string) bool) (hits []hit, exhausted bool, err error) {
	return streamSortedUntil(ctx, rd, typ, key, cur, back, limit, keep, nil)
}

// streamSortedUntil is streamSorted that also stops (not exhausted) as soon
// as stop (nil: never) says so after a rejected entry.
func streamSortedUntil(ctx context.Context, rd storage.Reader, typ string, key sortKey, cur *cursor, back bool, limit int, keep func(id string) bool, stop func() bool) (hits []hit, exhausted bool, err error) {
	if cur != nil && (len(cur.Keys) != 1 || cur.Keys[0] == nil) {
		return nil, true, nil // the cursor is in the tail without values
	}
	for h, err := range sortEntries(ctx, rd, typ, key.code, key.desc, key.desc != back, cur) {
		if err != nil {
			return nil, false, fmt.Errorf("sort %s by %s: %w", typ, key.code, err)
		}
		if keep != nil && !keep(h.ID) {
			if stop != nil && stop() {
				return hits, false, nil
			}
			continue
		}
		hits = append(hits, hit{typ: typ, id: h.ID, keys: [][]byte{append([]byte(nil), h.Value[1:]...)}})
		if len(hits) == limit {
			return hits, false, nil
		}
	}
	return hits, !back, nil
}

// sortEntries yields the sort entries of one direction (desc) of
// (typ, code) in (key, id) order, reversed when reverse, strictly after
// cur's one key and id when cur is not nil. They are two runs of the
// index, one per tag of the direction (sortTags); a resource is in one of
// them, so merging the two gives each resource once.
func sortEntries(ctx context.Context, rd storage.Reader, typ, code string, desc, reverse bool, cur *cursor) iter.Seq2[storage.IndexHit, error] {
	var runs [2]indexRun
	tags := sortTags(desc)
	if !desc {
		// tagSortOne first: it is empty for a date, whose one value's
		// entries are under the others, so a date's walk probes it and
		// reads the other alone (mergeRuns).
		tags[0], tags[1] = tags[1], tags[0]
	}
	for i, tag := range tags {
		r := prefixRange([]byte{tag})
		runs[i].q = storage.IndexQuery{Type: typ, Param: code, Lo: r.lo, Hi: r.hi, Reverse: reverse}
		if cur != nil {
			runs[i].q.After = &storage.IndexHit{Value: append([]byte{tag}, cur.Keys[0]...), ID: cur.ID}
		}
	}
	return mergeRuns(ctx, rd, runs[:], reverse)
}

// maxSortProbes bounds the sort entries streamSortedFiltered checks one by
// one before it gives up on the filters being common: past it, building
// their id set is the cheaper way to fill the page.
const maxSortProbes = 256

// streamSortedFiltered returns a page of typ sorted by q's one key, after
// cur (before it, last first, when back), keeping the matches of q's
// clauses and compartment. When each can be checked per resource (clauseChecks:
// a seek per exact clause and for the compartment, the resource itself for
// a prefix or range), each sort entry is checked against them, so a filter
// that most resources pass (category=vital-signs&_sort=-date) reads about a
// page of sort entries whatever the number of matches. A rare filter would
// make that walk long, so after maxSortProbes entries it falls back to what
// every other filter does: build the match set (sorted ids) once and keep
// the sort entries in it. exhausted is as for streamSorted.
func (e *Engine) streamSortedFiltered(ctx context.Context, rd storage.Reader, typ string, q *query, comp *CompartmentRef, cur *cursor, back bool, limit int) (hits []hit, exhausted bool, err error) {
	key := e.indexed(typ, q.sort[0])
	if len(q.clauses) == 0 && comp == nil {
		return streamSorted(ctx, rd, typ, key, cur, back, limit, nil)
	}
	if ch, ok := e.clauseChecks(typ, q.clauses, nil, comp); ok {
		probes, given := 0, false
		var probeErr error
		keep := func(id string) bool {
			if probes++; probes > maxSortProbes {
				given = true
				return false
			}
			in, err := e.passes(ctx, rd, typ, ch, id)
			if err != nil {
				probeErr = err
			}
			return in
		}
		hits, exhausted, err = streamSortedUntil(ctx, rd, typ, key, cur, back, limit, keep, func() bool { return given || probeErr != nil })
		if err == nil {
			err = probeErr
		}
		if err != nil || !given {
			return hits, exhausted, err
		}
	}
	ids, err := e.typeMatches(ctx, rd, typ, q, comp)
	if err != nil {
		return nil, false, err
	}
	return streamSorted(ctx, rd, typ, key, cur, back, limit, ids.contains)
}

// memberOfAll reports whether id is in every stream (a seek to it in each).
func memberOfAll(ctx context.Context, rd storage.Reader, streams []seeker, id string) (bool, error) {
	for _, s := range streams {
		got, err := s.first(ctx, rd, id, false)
		if err != nil || got != id {
			return false, err
		}
	}
	return true, nil
}
