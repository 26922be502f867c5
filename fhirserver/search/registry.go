package search

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
)

// param is one SearchParameter compiled for use: its expression parsed
// once, and for a composite its components resolved to their types.
type param struct {
	def  *defs.SearchParam
	code string
	// key is the code whose index entries hold this parameter's values:
	// its own, or for a parameter with the same type and expression as
	// another of its resource type (Patient's phonetic and name), the
	// least such code (sharedKeys), which alone gets entries.
	key string
	// parts, when set, are the keys of the parameters whose union this one
	// is (Observation's combo-code is code | component-code): its values
	// are read from their entries, and it writes only its sort entries
	// (unionParts).
	parts []string
	typ   string
	expr  *fhirpath.Expr // nil: not indexed (special parameters, no expression)
	// src is the text expr was compiled from: the definition's expression,
	// or the branches of it that apply to the type (forType).
	src  string
	comp []component
	// systemless: a token parameter whose values never carry a system (its
	// expression reaches only codes, booleans, strings, ids, URIs and
	// ContactPoints: systemless.go). It writes no code-and-system entries,
	// and |code reads the code's entries.
	systemless bool
	// oneTarget: a reference parameter whose entries are read only by
	// parameters of one target type each, so a bare id is read as
	// Type/id and no bare-id entries are written (oneTargetKeys).
	oneTarget bool
	// forward, when set, is the key whose forward entries ('f') hold this
	// reference parameter's, filtered to the one target type forwardType:
	// it writes none of its own (forwardKeys).
	forward, forwardType string
}

type component struct {
	typ  string
	expr *fhirpath.Expr
}

// registry holds the compiled parameters of one version. A type's
// parameters are compiled the first time a search or a write of that type
// asks for them (about 1.5 MB for all of R4, where a server uses a few
// types); a parameter inherited by several types (_id, clinical-patient)
// is compiled once and narrowed per type (forType).
type registry struct {
	v      *defs.Version
	isType map[string]bool
	// byType has an entry for every resource type from the start, so it is
	// read without a lock; each entry fills itself on first use.
	byType map[string]*typeParams

	mu    sync.Mutex        // guards byURL
	byURL map[string]*param // parameters compiled so far, by URL

	refsMu sync.Mutex
	// refsTo lists, per target type, the reference parameters that may
	// point at it (for _revinclude=*); nil until first asked for.
	refsTo map[string][]typedParams
}

// typeParams are one resource type's compiled parameters, by code. byCode
// is set, under mu, before done, and never changes after.
type typeParams struct {
	done   atomic.Bool
	mu     sync.Mutex
	byCode map[string]*param
}

// typedParams are parameters of one resource type.
type typedParams struct {
	typ    string
	params []*param
}

func newRegistry(v *defs.Version) *registry {
	types := v.ResourceTypes()
	r := &registry{v: v, isType: make(map[string]bool, len(types)), byType: make(map[string]*typeParams, len(types)),
		byURL: map[string]*param{}}
	slab := make([]typeParams, len(types))
	for i, t := range types {
		r.isType[t] = true
		r.byType[t] = &slab[i]
	}
	return r
}

// lookup returns the parameter code of type t, or nil.
func (r *registry) lookup(t, code string) *param { return r.params(t)[code] }

// params returns the parameters of type t (map by code), compiling them on
// first use; nil for an unknown type. The map is shared: do not modify it.
func (r *registry) params(t string) map[string]*param {
	tp := r.byType[t]
	if tp == nil {
		return nil
	}
	if !tp.done.Load() {
		r.compileType(t, tp)
	}
	return tp.byCode
}

// compileType fills tp. The expressions are generated from the official
// definitions, and tests compile every parameter of both versions, so a
// failure is a build defect and panics (a 500 for the request, in package
// rest) rather than threading an error through every lookup.
func (r *registry) compileType(t string, tp *typeParams) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.done.Load() {
		return
	}
	defsParams := r.v.SearchParams(t)
	m := make(map[string]*param, len(defsParams))
	for _, sp := range defsParams {
		p, err := r.compiled(sp, t)
		if err != nil {
			panic(fmt.Sprintf("search: compile parameters of %s %s: %v", r.v.Name, t, err))
		}
		m[sp.Code] = r.forType(p, t)
	}
	sharedKeys(m)
	oneTargetKeys(m)
	forwardKeys(m)
	unionParts(m)
	unionedSystems(m)
	tp.byCode = m
	tp.done.Store(true)
}

// compiled returns sp compiled, compiling it on first use (by type t).
func (r *registry) compiled(sp *defs.SearchParam, t string) (*param, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.byURL[sp.URL]; p != nil {
		return p, nil
	}
	p, err := compileParam(r.v, sp)
	if err != nil {
		return nil, err
	}
	p.systemless = r.isSystemless(p, t)
	r.byURL[sp.URL] = p
	return p, nil
}

// compileParam parses sp's expression and, for a composite, resolves and
// parses its components. A parameter without a usable expression (special
// ones other than near) gets a nil expr: it is not indexed.
func compileParam(v *defs.Version, sp *defs.SearchParam) (*param, error) {
	p := &param{def: sp, code: sp.Code, key: sp.Code, typ: sp.Type, src: sp.Expression}
	if hasIndexedExpression(sp) {
		e, err := fhirpath.Compile(sp.Expression)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", sp.URL, err)
		}
		p.expr = e
	}
	for _, c := range sp.Component {
		cd := paramByURL(v, c.Definition)
		if cd == nil {
			cd = componentByName(v, c.Definition)
		}
		if cd == nil {
			return nil, fmt.Errorf("parameter %s: component %s not defined", sp.URL, c.Definition)
		}
		e, err := fhirpath.Compile(c.Expression)
		if err != nil {
			return nil, fmt.Errorf("parameter %s component %s: %w", sp.URL, c.Definition, err)
		}
		p.comp = append(p.comp, component{typ: cd.Type, expr: e})
	}
	return p, nil
}

// hasIndexedExpression reports whether sp gets index entries: it has an
// expression and is not special (near excepted).
func hasIndexedExpression(sp *defs.SearchParam) bool {
	return sp.Expression != "" && (sp.Type != "special" || sp.Code == nearParam)
}

// paramByURL finds a parameter of v by its URL. Only composites' components
// are looked up this way, a few dozen times in a process's life, so a scan
// serves instead of an index kept for good.
func paramByURL(v *defs.Version, url string) *defs.SearchParam {
	for _, sp := range v.AllSearchParams() {
		if sp.URL == url {
			return sp
		}
	}
	return nil
}

// referrers returns the reference parameters, by source type, that may
// point at resources of type t. The first call compiles every type's
// parameters (only _revinclude=* needs them all).
func (r *registry) referrers(t string) []typedParams {
	r.refsMu.Lock()
	defer r.refsMu.Unlock()
	if r.refsTo == nil {
		r.refsTo = r.buildReferrers()
	}
	return r.refsTo[t]
}

func (r *registry) buildReferrers() map[string][]typedParams {
	refsTo := map[string][]typedParams{}
	for _, src := range r.v.ResourceTypes() {
		byTarget := map[string][]*param{}
		params := r.params(src)
		for _, sp := range r.v.SearchParams(src) {
			p := params[sp.Code]
			if p.typ != "reference" || p.expr == nil {
				continue
			}
			targets := sp.Target
			if len(targets) == 0 {
				targets = r.v.ResourceTypes()
			}
			for _, t := range targets {
				byTarget[t] = append(byTarget[t], p)
			}
		}
		for t, ps := range byTarget {
			refsTo[t] = append(refsTo[t], typedParams{typ: src, params: ps})
		}
	}
	return refsTo
}

// forType returns p with its expression cut down to the union branches that
// can apply to resource type t. Shared parameters such as clinical-patient
// union thirty "Type.path" branches; evaluating only the resource's own
// makes indexing several times cheaper. The result is the same because a
// branch starting with another type's name yields nothing on t.
func (r *registry) forType(p *param, t string) *param {
	if p.expr == nil {
		return p
	}
	branches := splitUnion(p.def.Expression)
	if len(branches) < 2 {
		return p
	}
	lineage := r.lineage(t)
	var kept []string
	for _, b := range branches {
		head := leadingName(b)
		if r.v.Resource(head) != nil && !lineage[head] {
			continue
		}
		kept = append(kept, b)
	}
	if len(kept) == len(branches) {
		return p
	}
	cp := *p
	if len(kept) == 0 {
		cp.expr = nil
		return &cp
	}
	src := strings.Join(kept, " | ")
	e, err := fhirpath.Compile(src)
	if err != nil {
		return p // keep the full expression; it compiled
	}
	cp.expr, cp.src = e, src
	cp.systemless = r.isSystemless(&cp, t)
	return &cp
}

// lineage is t and the resource types it derives from (DomainResource,
// Resource): the heads of the expression branches that apply to t.
func (r *registry) lineage(t string) map[string]bool {
	lineage := map[string]bool{t: true}
	for ty := r.v.Resource(t); ty != nil && ty.Base != ""; ty = r.v.Resource(ty.Base) {
		lineage[ty.Base] = true
	}
	return lineage
}

// splitUnion splits a FHIRPath expression at its top-level "|" operators
// (outside parentheses, brackets and string literals).
func splitUnion(expr string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\'':
			for i++; i < len(expr) && expr[i] != '\''; i++ {
				if expr[i] == '\\' {
					i++
				}
			}
		case '`':
			for i++; i < len(expr) && expr[i] != '`'; i++ {
			}
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, strings.TrimSpace(expr[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(expr[start:]))
}

// leadingName returns the first identifier of a branch, skipping opening
// parentheses: "(Observation.value as Quantity)" gives "Observation".
func leadingName(b string) string {
	b = strings.TrimLeft(b, "( ")
	end := 0
	for end < len(b) && (b[end] == '_' || b[end] >= 'a' && b[end] <= 'z' || b[end] >= 'A' && b[end] <= 'Z' || b[end] >= '0' && b[end] <= '9') {
		end++
	}
	return b[:end]
}

// fingerprint identifies the definitions and this package's encoding, so the
// store can tell when its index entries must be rebuilt: a hash over every
// parameter's URL, code, type, expression and components (the version's
// SearchParamsDigest, which the server checks at start without decoding the
// parameters), plus indexFormat.
func (r *registry) fingerprint() string {
	return fmt.Sprintf("search-v%d-%s-%.24s", indexFormat, r.v.Name, r.v.SearchParamsDigest())
}

// indexFormat changes whenever the entry layouts of doc.go change, or which
// values get entries: 7 writes one string entry where there were two (the
// exact text follows the normalised one), no entries for a parameter whose
// expression another of its type already indexes (sharedKeys), and one
// composite tuple per combination of values rather than of keys, so stores
// written before rebuild on start. 8 writes one sort entry, not two, for
// a parameter whose values sort alike (tagSortOne, index.go). 9 writes
// only the sort entries of a parameter that is a union of others
// (unionParts). 10 writes a resource's one value of a string, token or
// date parameter under the sort tags (mergedTag) instead of as a value
// entry and a sort entry; 11 does so for a number and a quantity's value.
// 12 keeps no index lists (a write derives the entries of the version it
// supersedes again, Reindexer), so the rebuild drops those of older stores,
// and the engine's fingerprint names the base URL too. 13 writes no
// code-and-system entry for the values of a parameter that never have a
// system (systemless.go). 14 writes the entries of the least and greatest
// of a resource's several values of a string, token, number or quantity
// parameter as its sort entries (folded, appendEntries) instead of beside
// them. 15 writes a token's code-and-system entry system first, which
// answers system| as one range, and no system-only entry. 16 counts a
// boolean expression's token values systemless (Patient.deceased). 17
// writes no bare-id entries for a reference parameter of one target type
// (oneTargetKeys), whose plans never read them. 18 writes no forward
// entries for a reference parameter filtered to one target type from
// another (forwardKeys).
const indexFormat = 18

// componentByName resolves a component definition the version's own
// parameters do not list under that URL: STU3 points at
// .../SearchParameter/Observation-code while the parameter's URL is
// another one, so the name is read as <Type>-<code>.
func componentByName(v *defs.Version, url string) *defs.SearchParam {
	name := url[strings.LastIndex(url, "/")+1:]
	typ, code, ok := strings.Cut(name, "-")
	if !ok {
		return nil
	}
	return v.SearchParam(typ, code)
}
