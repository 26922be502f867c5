package search

import (
	"context"
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
		hits, keys, err := e.allHits(ctx, rd, types, qs, req.Compartment)
		if err != nil {
			return nil, err
		}
		if q.total != "none" {
			res.Total = len(hits)
		}
		pageHits, res.Next, res.Prev = page(hits, keys, cur, q.count)
	}
	var matches []*storage.Record
	var get storage.Getter // the page's resources through one iterator, if any is to be read
	done := func() {}
	defer func() { done() }()
	for _, h := range pageHits {
		rec := h.rec
		if rec == nil {
			if get == nil {
				get, done = storage.NewGetter(rd)
			}
			var err error
			if rec, err = loadLive(ctx, get, h.typ, h.id); err != nil {
				return nil, err
			}
		}
		if rec == nil {
			continue // deleted between the index scan and now
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

// allHits materialises every match of every type with its sort keys, sorted
// by keys: the _sort keys, or for an unsorted single-type search the
// driver's value (stream_driven.go), or (nil) type and id.
func (e *Engine) allHits(ctx context.Context, rd storage.Reader, types []string, qs map[string]*query, comp *CompartmentRef) (hits []hit, keys []sortKey, err error) {
	for _, t := range types {
		tq := qs[t]
		keys = tq.sort
		ids, err := e.typeMatches(ctx, rd, t, tq, comp)
		if err != nil {
			return nil, nil, err
		}
		th := make([]hit, len(ids))
		for i, id := range ids {
			th[i] = hit{typ: t, id: id}
		}
		if err := e.sortKeys(ctx, rd, t, th, tq.sort); err != nil {
			return nil, nil, err
		}
		if d, ok := e.driverOf(t, tq); ok && len(types) == 1 {
			if err := driverKeys(ctx, rd, t, d, th); err != nil {
				return nil, nil, err
			}
			keys = []sortKey{{code: d.c.param.code}}
		}
		hits = append(hits, th...)
	}
	sortHits(hits, keys)
	return hits, keys, nil
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
