package search

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
)

// param is one SearchParameter compiled for use: its expression parsed
// once, and for a composite its components resolved to their types.
type param struct {
	def  *defs.SearchParam
	code string
	typ  string
	expr *fhirpath.Expr // nil: not indexed (special parameters, no expression)
	comp []component
}

type component struct {
	typ  string
	expr *fhirpath.Expr
}

// registry holds every compiled parameter of one version, shared by all
// resource types that inherit it.
type registry struct {
	v       *defs.Version
	byURL   map[string]*param
	byType  map[string]map[string]*param
	isType  map[string]bool
	skipped []string // parameters without a usable expression, for the log and docs
	// refsTo lists, per target type, the reference parameters that may
	// point at it (for _revinclude=*).
	refsTo map[string][]typedParams
}

// typedParams are parameters of one resource type.
type typedParams struct {
	typ    string
	params []*param
}

func newRegistry(v *defs.Version) (*registry, error) {
	r := &registry{v: v, byURL: map[string]*param{}, byType: map[string]map[string]*param{}, isType: map[string]bool{}}
	all := v.AllSearchParams()
	defsByURL := map[string]*defs.SearchParam{}
	for _, sp := range all {
		defsByURL[sp.URL] = sp
	}
	for _, sp := range all {
		p := &param{def: sp, code: sp.Code, typ: sp.Type}
		if sp.Expression != "" && (sp.Type != "special" || sp.Code == nearParam) {
			e, err := fhirpath.Compile(sp.Expression)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", sp.URL, err)
			}
			p.expr = e
		} else {
			r.skipped = append(r.skipped, sp.URL)
		}
		for _, c := range sp.Component {
			cd := defsByURL[c.Definition]
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
		r.byURL[sp.URL] = p
	}
	for _, t := range v.ResourceTypes() {
		r.isType[t] = true
	}
	for _, t := range v.ResourceTypes() {
		m := map[string]*param{}
		for _, sp := range v.SearchParams(t) {
			m[sp.Code] = r.forType(r.byURL[sp.URL], t)
		}
		r.byType[t] = m
	}
	r.refsTo = map[string][]typedParams{}
	for _, src := range v.ResourceTypes() {
		byTarget := map[string][]*param{}
		for _, sp := range v.SearchParams(src) {
			p := r.byType[src][sp.Code]
			if p.typ != "reference" || p.expr == nil {
				continue
			}
			targets := sp.Target
			if len(targets) == 0 {
				targets = v.ResourceTypes()
			}
			for _, t := range targets {
				byTarget[t] = append(byTarget[t], p)
			}
		}
		for t, ps := range byTarget {
			r.refsTo[t] = append(r.refsTo[t], typedParams{typ: src, params: ps})
		}
	}
	return r, nil
}

// referrers returns the reference parameters, by source type, that may
// point at resources of type t.
func (r *registry) referrers(t string) []typedParams { return r.refsTo[t] }

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
	lineage := map[string]bool{t: true}
	for ty := r.v.Resource(t); ty != nil && ty.Base != ""; ty = r.v.Resource(ty.Base) {
		lineage[ty.Base] = true
	}
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
	e, err := fhirpath.Compile(strings.Join(kept, " | "))
	if err != nil {
		return p // keep the full expression; it compiled
	}
	cp.expr = e
	return &cp
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

// lookup returns the parameter code of type t, or nil.
func (r *registry) lookup(t, code string) *param { return r.byType[t][code] }

// params returns the parameters of type t (map by code).
func (r *registry) params(t string) map[string]*param { return r.byType[t] }

// fingerprint identifies the definitions and this package's encoding, so the
// store can tell when its index entries must be rebuilt: a hash over every
// parameter's URL, code, type, expression and components, plus indexFormat.
func (r *registry) fingerprint() string {
	h := sha256.New()
	for _, sp := range r.v.AllSearchParams() {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", sp.URL, sp.Code, sp.Type, sp.Expression)
		for _, c := range sp.Component {
			fmt.Fprintf(h, "%s\x00%s\x00", c.Definition, c.Expression)
		}
	}
	return fmt.Sprintf("search-v%d-%s-%x", indexFormat, r.v.Name, h.Sum(nil)[:12])
}

// indexFormat changes whenever the entry layouts of doc.go change, or which
// values get entries: 6 indexes a zero with any exponent (it was skipped),
// so stores written before rebuild on start.
const indexFormat = 6

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
