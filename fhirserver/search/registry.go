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
		if sp.Expression != "" && sp.Type != "special" {
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
		m := map[string]*param{}
		for _, sp := range v.SearchParams(t) {
			m[sp.Code] = r.byURL[sp.URL]
		}
		r.byType[t] = m
	}
	return r, nil
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

// indexFormat changes whenever the entry layouts of doc.go change.
const indexFormat = 3

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
