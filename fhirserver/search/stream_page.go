package search

import (
	"context"
	"slices"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// The page assembly of the streaming paths: which stream a search takes
// (stream.go for id order and one sort key, stream_driven.go for a prefix
// or range clause), and the links and total of the page it gives.

// streamPage tries the streaming paths of stream.go and stream_driven.go
// for one page; streamed is false when the query needs the materialising
// path.
func (e *Engine) streamPage(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef, cur *cursor, res *Result) (hits []hit, streamed bool, err error) {
	if len(types) == 0 {
		return nil, false, nil
	}
	typ := types[0]
	q := qs[typ]
	back := cur != nil && cur.Back
	if back && q.count == 0 {
		return nil, false, nil // page() gives an empty previous page a link of its own
	}
	limit := q.count + 1
	if len(types) > 1 || cur != nil && cur.Type != typ {
		if len(q.sort) != 0 || back {
			return nil, false, nil
		}
		hits, streamed, err = e.streamTypes(ctx, rd, types, qs, comp, cur, limit)
		if err != nil || !streamed {
			return nil, false, err
		}
		return e.finishStreamedPage(ctx, rd, types, qs, comp, cur, hits, res, nil)
	}
	// more tells, for a previous page, whether a match follows its last hit.
	var more func(last hit) (found, known bool, err error)
	switch {
	case len(q.sort) == 0:
		if streams, ok := e.idStreams(typ, q.clauses, comp); ok {
			after := ""
			if cur != nil {
				after = cur.ID
			}
			ids, err := streamIDs(ctx, rd, streams, after, limit, back)
			if err != nil {
				return nil, false, err
			}
			for _, id := range ids {
				hits = append(hits, hit{typ: typ, id: id})
			}
			more = func(last hit) (bool, bool, error) {
				ids, err := streamIDs(ctx, rd, streams, last.id, 1, false)
				return len(ids) > 0, true, err
			}
			break
		}
		d, ok := e.driverOf(typ, q)
		if !ok {
			return nil, false, nil
		}
		ch, ok := e.clauseChecks(typ, q.clauses, d.c, comp)
		if !ok {
			return nil, false, nil
		}
		var given bool
		hits, given, err = e.streamDriven(ctx, rd, typ, d, ch, cur, back, limit)
		if err != nil || given {
			return nil, false, err
		}
		more = func(last hit) (bool, bool, error) {
			h, given, err := e.streamDriven(ctx, rd, typ, d, ch, &cursor{Keys: last.keys, ID: last.id}, false, 1)
			return len(h) > 0, !given, err
		}
	case len(q.sort) == 1:
		var exhausted bool
		hits, exhausted, err = e.streamSortedFiltered(ctx, rd, typ, q, comp, cur, back, limit)
		if err != nil || exhausted {
			return nil, false, err
		}
		more = func(last hit) (bool, bool, error) {
			// Past the last sort entry, resources without a value may follow.
			h, exhausted, err := e.streamSortedFiltered(ctx, rd, typ, q, comp, &cursor{Keys: last.keys, ID: last.id}, false, 1)
			return len(h) > 0, len(h) > 0 || !exhausted, err
		}
	default:
		return nil, false, nil
	}
	return e.finishStreamedPage(ctx, rd, types, qs, comp, cur, hits, res, more)
}

// idStreams is exactStreams with the compartment's members as one more
// stream (in place of the every-resource stream when there is no clause).
func (e *Engine) idStreams(typ string, clauses []*clause, comp *CompartmentRef) ([]seeker, bool) {
	streams, ok := e.exactStreams(typ, clauses)
	if !ok || comp == nil {
		return streams, ok
	}
	in, ok := e.compartmentStream(typ, comp)
	if !ok {
		return nil, false
	}
	if len(clauses) == 0 {
		return []seeker{in}, true
	}
	return append(streams, in), true
}

// streamTypes streams a page of a multi-type search ordered by type, then
// id (as the materialising path orders it), type after type from the cursor.
func (e *Engine) streamTypes(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef, cur *cursor, limit int) ([]hit, bool, error) {
	var hits []hit
	for _, t := range types {
		after := ""
		if cur != nil {
			if t < cur.Type {
				continue
			}
			if t == cur.Type {
				after = cur.ID
			}
		}
		streams, ok := e.idStreams(t, qs[t].clauses, comp)
		if !ok {
			return nil, false, nil
		}
		ids, err := streamIDs(ctx, rd, streams, after, limit-len(hits), false)
		if err != nil {
			return nil, false, err
		}
		for _, id := range ids {
			hits = append(hits, hit{typ: t, id: id})
		}
		if len(hits) == limit {
			break
		}
	}
	return hits, true, nil
}

// finishStreamedPage trims a streamed page of up to count+1 hits (in scan
// order: backwards for a previous-page cursor) and sets its links, as page()
// sets them, and its total. more (nil for forward pages) tells whether a
// match follows a previous page; when it cannot tell, the page is left to
// the materialising path.
func (e *Engine) finishStreamedPage(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef, cur *cursor, hits []hit, res *Result, more func(last hit) (found, known bool, err error)) ([]hit, bool, error) {
	q := qs[types[0]]
	switch {
	case cur != nil && cur.Back:
		earlier := len(hits) > q.count
		hits = hits[:min(len(hits), q.count)]
		slices.Reverse(hits)
		if len(hits) == 0 {
			break
		}
		if earlier {
			res.Prev = cursor{Keys: hits[0].keys, Type: hits[0].typ, ID: hits[0].id, Back: true}.encode()
		}
		last := hits[len(hits)-1]
		found, known, err := more(last)
		if err != nil || !known {
			res.Prev = ""
			return nil, false, err
		}
		if found {
			res.Next = cursor{Keys: last.keys, Type: last.typ, ID: last.id}.encode()
		}
	default:
		if len(hits) > q.count {
			hits = hits[:q.count]
			if len(hits) > 0 {
				last := hits[len(hits)-1]
				res.Next = cursor{Keys: last.keys, Type: last.typ, ID: last.id}.encode()
			}
		}
		if cur != nil && len(hits) > 0 {
			res.Prev = cursor{Keys: hits[0].keys, Type: hits[0].typ, ID: hits[0].id, Back: true}.encode()
		}
	}
	if q.total != "none" {
		n, err := e.count(ctx, rd, types, qs, comp)
		if err != nil {
			return nil, false, err
		}
		res.Total = n
	}
	return hits, true, nil
}
