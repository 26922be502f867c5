package search

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func (e *Engine) now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now()
	}
	return time.Now()
}

// search runs req against rd.
func (e *Engine) search(ctx context.Context, rd storage.Reader, req Request) (*Result, error) {
	rd = visibleReaderFor(ctx, rd)
	types, err := e.searchTypes(req)
	if err != nil {
		return nil, err
	}
	types, qs, q, err := e.parseForTypes(types, req.Params)
	if err != nil {
		return nil, err
	}
	typesParam := ""
	if req.ResourceType == "" && len(req.Types) > 0 {
		typesParam = "_type"
	}
	if err := e.authorize(ctx, typesParam, types, qs, req.Params); err != nil {
		return nil, err
	}
	res := &Result{Total: -1, Self: q.self}
	if len(q.unknown) > 0 {
		sort.Strings(q.unknown)
		msg := fmt.Sprintf("unknown or unsupported search parameters: %s", strings.Join(q.unknown, ", "))
		if req.Strict {
			oe := outcome.BadRequest(outcome.CodeNotSupported, "", "%s", msg)
			oe.Issues[0].Expression = q.unknown
			return nil, oe
		}
		res.Warnings = append(res.Warnings, outcome.Issue{Severity: outcome.Warning, Code: outcome.CodeNotSupported, Diagnostics: msg + " (ignored)", Expression: q.unknown})
	}
	if req.ResourceType == "" && len(req.Types) > 0 {
		res.Self.Set("_type", strings.Join(req.Types, ","))
	}
	if q.summary == "count" {
		res.SummaryCount = true
		n, err := e.count(ctx, rd, types, qs, req.Compartment)
		res.Total = n
		return res, err
	}
	var cur *cursor
	if req.Cursor != "" {
		c, err := decodeCursor(req.Cursor)
		if err != nil {
			return nil, err
		}
		cur = &c
	}
	pageHits, streamed, err := e.streamPage(ctx, rd, types, qs, req.Compartment, cur, res)
	if err != nil {
		return nil, err
	}
	if !streamed {
		hits, err := e.allHits(ctx, rd, types, qs, req.Compartment)
		if err != nil {
			return nil, err
		}
		if q.total != "none" {
			res.Total = len(hits)
		}
		pageHits, res.Next, res.Prev = page(hits, q.sort, cur, q.count)
	}
	var matches []*storage.Record
	for _, h := range pageHits {
		rec, err := rd.Get(ctx, h.typ, h.id)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && rec.Deleted) {
			continue // deleted between the index scan and now
		}
		if err != nil {
			return nil, fmt.Errorf("search: load %s/%s: %w", h.typ, h.id, err)
		}
		matches = append(matches, rec)
		res.Entries = append(res.Entries, Entry{Record: rec, Mode: "match"})
	}
	inc, capped, err := e.includes(ctx, rd, q, matches)
	if err != nil {
		return nil, err
	}
	if capped {
		res.Warnings = append(res.Warnings, e.includeCapWarning(q))
	}
	for _, rec := range inc {
		res.Entries = append(res.Entries, Entry{Record: rec, Mode: "include"})
	}
	return res, nil
}

// parseForTypes parses params once per searched type. In a system search
// a parameter unknown to every type is ignored (or, strict, refused), but
// one that only some types know leaves the others out: it is a filter they
// cannot satisfy. q is the query of the first remaining type, whose result
// parameters and unknown list stand for all; types lists the remaining ones.
func (e *Engine) parseForTypes(types []string, params url.Values) ([]string, map[string]*query, *query, error) {
	qs := make(map[string]*query, len(types))
	var unknownAll map[string]bool
	for _, t := range types {
		q, err := e.parseQuery(t, params)
		if err != nil {
			return nil, nil, nil, err
		}
		qs[t] = q
		u := map[string]bool{}
		for _, k := range q.unknown {
			if unknownAll == nil || unknownAll[k] {
				u[k] = true
			}
		}
		unknownAll = u
	}
	var kept []string
	for _, t := range types {
		if len(qs[t].unknown) == len(unknownAll) {
			kept = append(kept, t)
		}
	}
	first := qs[types[0]]
	if len(kept) > 0 {
		first = qs[kept[0]]
	}
	return kept, qs, first, nil
}

// allHits materialises every match of every type with its sort keys, sorted.
func (e *Engine) allHits(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef) ([]hit, error) {
	var hits []hit
	var keys []sortKey
	for _, t := range types {
		tq := qs[t]
		keys = tq.sort
		ids, err := e.typeMatches(ctx, rd, t, tq, comp)
		if err != nil {
			return nil, err
		}
		th := make([]hit, len(ids))
		for i, id := range ids {
			th[i] = hit{typ: t, id: id}
		}
		if err := e.sortKeys(ctx, rd, t, th, tq.sort); err != nil {
			return nil, err
		}
		hits = append(hits, th...)
	}
	sortHits(hits, keys)
	return hits, nil
}

// streamPage tries the streaming paths of stream.go for one page; streamed
// is false when the query needs the materialising path.
func (e *Engine) streamPage(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef, cur *cursor, res *Result) (hits []hit, streamed bool, err error) {
	if len(types) == 0 || comp != nil || (cur != nil && cur.Back) {
		return nil, false, nil
	}
	typ := types[0]
	q := qs[typ]
	if len(types) > 1 || cur != nil && cur.Type != typ {
		if len(q.sort) != 0 {
			return nil, false, nil
		}
		hits, streamed, err = e.streamTypes(ctx, rd, types, qs, cur, q.count+1)
		if err != nil || !streamed {
			return nil, false, err
		}
		return e.finishStreamedPage(ctx, rd, types, qs, cur, hits, res)
	}
	switch {
	case len(q.sort) == 0:
		streams, ok := e.exactStreams(typ, q.clauses)
		if !ok {
			return nil, false, nil
		}
		after := ""
		if cur != nil {
			after = cur.ID
		}
		ids, err := streamIDs(ctx, rd, streams, after, q.count+1)
		if err != nil {
			return nil, false, err
		}
		for _, id := range ids {
			hits = append(hits, hit{typ: typ, id: id})
		}
	case len(q.sort) == 1:
		var exhausted bool
		hits, exhausted, err = e.streamSortedFiltered(ctx, rd, typ, q, cur)
		if err != nil || exhausted {
			return nil, false, err
		}
	default:
		return nil, false, nil
	}
	return e.finishStreamedPage(ctx, rd, types, qs, cur, hits, res)
}

// streamTypes streams a page of a multi-type search ordered by type, then
// id (as the materialising path orders it), type after type from the cursor.
func (e *Engine) streamTypes(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, cur *cursor, limit int) ([]hit, bool, error) {
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
		streams, ok := e.exactStreams(t, qs[t].clauses)
		if !ok {
			return nil, false, nil
		}
		ids, err := streamIDs(ctx, rd, streams, after, limit-len(hits))
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

// finishStreamedPage trims a streamed page of count+1 hits and sets its
// links and total.
func (e *Engine) finishStreamedPage(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, cur *cursor, hits []hit, res *Result) ([]hit, bool, error) {
	q := qs[types[0]]
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
	if q.total != "none" {
		n, err := e.count(ctx, rd, types, qs, nil)
		if err != nil {
			return nil, false, err
		}
		res.Total = n
	}
	return hits, true, nil
}

// searchTypes returns the types a request searches.
func (e *Engine) searchTypes(req Request) ([]string, error) {
	if req.ResourceType != "" {
		if !e.reg.isType[req.ResourceType] {
			return nil, outcome.NotFound("unknown resource type %s", req.ResourceType)
		}
		return []string{req.ResourceType}, nil
	}
	var types []string
	if len(req.Types) > 0 {
		for _, t := range req.Types {
			if !e.reg.isType[t] {
				return nil, outcome.BadRequest(outcome.CodeInvalid, "_type", "unknown resource type %q in _type", t)
			}
			types = append(types, t)
		}
	} else if req.Compartment != nil {
		if e.v.Compartment(req.Compartment.Type) == nil {
			return nil, outcome.NotFound("%s is not a compartment", req.Compartment.Type)
		}
		for _, t := range e.v.ResourceTypes() {
			if e.inCompartment(t, req.Compartment.Type) {
				types = append(types, t)
			}
		}
	} else {
		types = append(types, e.v.ResourceTypes()...)
	}
	sort.Strings(types)
	return types, nil
}

// typeMatches returns the ids of typ matching q (and the compartment).
func (e *Engine) typeMatches(ctx context.Context, rd storage.Reader, typ string, q *query, comp *CompartmentRef) (idSet, error) {
	ids, err := e.matchIDs(ctx, rd, typ, q.clauses)
	if err != nil || comp == nil {
		return ids, err
	}
	in, err := e.compartmentIDs(ctx, rd, typ, comp)
	if err != nil {
		return nil, err
	}
	return intersect(ids, in), nil
}

// count answers _summary=count, by counting index keys when one exact
// clause allows it and by the size of the match set otherwise.
func (e *Engine) count(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef) (int, error) {
	total := 0
	for _, t := range types {
		q := qs[t]
		if comp == nil {
			if n, ok, err := e.fastCount(ctx, rd, t, q.clauses); err != nil {
				return 0, err
			} else if ok {
				total += n
				continue
			}
		}
		ids, err := e.typeMatches(ctx, rd, t, q, comp)
		if err != nil {
			return 0, err
		}
		total += len(ids)
	}
	return total, nil
}

// match evaluates the filters of query on resourceType (no paging).
func (e *Engine) match(ctx context.Context, rd storage.Reader, resourceType string, query url.Values) ([]string, error) {
	rd = visibleReaderFor(ctx, rd)
	if !e.reg.isType[resourceType] {
		return nil, outcome.NotFound("unknown resource type %s", resourceType)
	}
	q, err := e.parseQuery(resourceType, query)
	if err != nil {
		return nil, err
	}
	if len(q.unknown) > 0 {
		// Criteria are strict: dropping a misspelt parameter, as a search
		// does, would match more resources and so delete or overwrite more.
		sort.Strings(q.unknown)
		oe := outcome.BadRequest(outcome.CodeNotSupported, "", "unknown or unsupported parameters in conditional criteria: %s", strings.Join(q.unknown, ", "))
		oe.Issues[0].Expression = q.unknown
		return nil, oe
	}
	if len(q.clauses) == 0 {
		return nil, outcome.BadRequest(outcome.CodeInvalid, "", "a conditional operation needs at least one known search parameter")
	}
	// Criteria probe other types through chains and _has like a search
	// does (a conditional create answers 200 or 201 by what they match).
	if err := e.authorize(ctx, "", []string{resourceType}, queries{resourceType: q}, nil); err != nil {
		return nil, err
	}
	ids, err := e.matchIDs(ctx, rd, resourceType, q.clauses)
	return []string(ids), err
}
