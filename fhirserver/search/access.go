package search

import (
	"context"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// A search reads more than the type it names: a chain searches its target
// types, _has its source type, _include and _revinclude return resources of
// other types. Each of these is a channel through which a client learns
// about resources of those types (subject:Patient.family=X answers one
// entry or none), so whoever may see only some types must be asked about
// every one. The planner lists them here, once, and hands each to the
// Policy travelling in the context before anything is read; the REST layer
// checks SMART scopes with it, and a visibility filter (a client that sees
// only some resources of a type) plugs into the same place.

// AccessKind says through which part of a search a type is read.
type AccessKind uint8

const (
	// AccessSearched: the types the search itself returns (the path's
	// type, _type of a system search, a compartment's types).
	AccessSearched AccessKind = iota + 1
	// AccessChain: the target types of a chained parameter, at any depth.
	AccessChain
	// AccessHas: the source types of _has, nested ones included.
	AccessHas
	// AccessInclude: every type an _include can return.
	AccessInclude
	// AccessRevInclude: every type a _revinclude can return.
	AccessRevInclude
)

func (k AccessKind) String() string {
	switch k {
	case AccessSearched:
		return "search"
	case AccessChain:
		return "chain"
	case AccessHas:
		return "_has"
	case AccessInclude:
		return "_include"
	case AccessRevInclude:
		return "_revinclude"
	}
	return "unknown access"
}

// Access is one parameter of a search and every resource type it reads.
type Access struct {
	Kind AccessKind
	// Param is the parameter exactly as written ("subject:Patient.family",
	// "_has:Observation:patient:code", "_include:iterate"); "" for the
	// searched types of a type or compartment search, "_type" for a system
	// search's.
	Param string
	// Value is an include's value as written ("Observation:subject").
	Value string
	// Types are the resource types read, sorted. An untyped chain
	// (subject.name) reads every target type that knows the next parameter;
	// an include every type its parameter can reach, unless the :Type form
	// names one.
	Types []string
	// narrow writes the parameter (an include's value) to reach one type;
	// nil when it cannot be narrowed.
	narrow func(typ string) string
}

// NarrowTo returns the parameter, or an include's value, written to reach
// only typ ("subject:Patient.name", "Observation:subject:Patient"), for a
// message to suggest; "" when the parameter reaches one type already or
// cannot name one (_include=*).
func (a Access) NarrowTo(typ string) string {
	if a.narrow == nil {
		return ""
	}
	return a.narrow(typ)
}

// Policy decides whether a search may read what it plans to read. It is
// called once per Access before any index is read; an error (an
// *outcome.Error, e.g. 403 naming a.Param) ends the search with it.
//
// A visibility filter (the aggregator's client sees only some resources of
// a type) faces the same channels but decides per resource: it is a
// Visibility (visibility.go), applied to every read of the store the
// planner makes — searched, chained, _has and included alike — rather than
// each path filtering on its own.
type Policy interface {
	CheckAccess(ctx context.Context, a Access) error
}

type policyKey struct{}

// WithPolicy returns ctx carrying p: every search and conditional match run
// with that context asks p first.
func WithPolicy(ctx context.Context, p Policy) context.Context {
	return context.WithValue(ctx, policyKey{}, p)
}

// queries are the parsed queries of a search by type (the parameter named
// query in match shadows the type there).
type queries = map[string]*query

func policyFrom(ctx context.Context) Policy {
	p, _ := ctx.Value(policyKey{}).(Policy)
	return p
}

// authorize hands every access of a parsed search to the context's policy.
// params are the request's parameters, for the includes (nil for a
// conditional match, which runs none); typesParam names the searched types.
func (e *Engine) authorize(ctx context.Context, typesParam string, types []string, qs map[string]*query, params url.Values) error {
	pol := policyFrom(ctx)
	if pol == nil || len(types) == 0 {
		return nil
	}
	acc, err := e.accesses(typesParam, types, qs, params)
	if err != nil {
		return err
	}
	for _, a := range acc {
		if err := pol.CheckAccess(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// accesses lists what a search reads: the searched types, then each
// filtering parameter (chains and _has walked to the bottom), then each
// include, in the order of the parameters' names.
func (e *Engine) accesses(typesParam string, types []string, qs map[string]*query, params url.Values) ([]Access, error) {
	out := []Access{{Kind: AccessSearched, Param: typesParam, Types: sortedSet(types)}}
	byParam := map[string]*Access{}
	var order []string
	add := func(kind AccessKind, key string, types ...string) {
		a := byParam[key]
		if a == nil {
			a = &Access{Kind: kind, Param: key}
			byParam[key] = a
			order = append(order, key)
		}
		a.Types = append(a.Types, types...)
	}
	narrow := map[string]func(string) string{}
	for _, t := range types {
		for _, c := range qs[t].clauses {
			if err := e.clauseAccesses(c, c.key, add); err != nil {
				return nil, err
			}
			if c.chain != nil && len(c.chain.targets) > 1 {
				// An untyped first link (a typed one has one target).
				key := c.key
				narrow[key] = func(t string) string { return narrowChain(key, t) }
			}
		}
	}
	sort.Strings(order)
	for _, k := range order {
		a := byParam[k]
		a.Types = sortedSet(a.Types)
		a.narrow = narrow[k]
		out = append(out, *a)
	}
	inc, err := e.includeAccesses(types, params)
	return append(out, inc...), err
}

// clauseAccesses walks one chained or _has clause down to its last level,
// parsing each inner level the way chainIDs and hasIDs will run it.
func (e *Engine) clauseAccesses(c *clause, root string, add func(AccessKind, string, ...string)) error {
	kind := AccessChain
	if strings.HasPrefix(root, "_has:") {
		kind = AccessHas
	}
	var next []*clause
	switch {
	case c.chain != nil:
		add(kind, root, c.chain.targets...)
		for _, t := range c.chain.targets {
			ic, err := e.parseClause(t, c.chain.inner, c.values[0])
			if err != nil {
				return err
			}
			if ic != nil {
				next = append(next, ic)
			}
		}
	case c.has != nil:
		add(kind, root, c.has.source)
		ic, err := e.parseClause(c.has.source, c.has.inner, c.values[0])
		if err != nil {
			return err
		}
		if ic != nil {
			next = append(next, ic)
		}
	}
	for _, ic := range next {
		if err := e.clauseAccesses(ic, root, add); err != nil {
			return err
		}
	}
	return nil
}

// narrowChain writes a chain so its first link names one target type:
// subject.name → subject:Patient.name.
func narrowChain(key, typ string) string {
	name, rest, _ := strings.Cut(key, ".")
	code, _, _ := strings.Cut(name, ":")
	return code + ":" + typ + "." + rest
}

// sortedSet returns the distinct strings of s, sorted.
func sortedSet(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
