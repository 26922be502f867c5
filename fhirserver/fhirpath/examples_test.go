package fhirpath

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/test/testenv"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// packagesDir is the folder of the official FHIR packages (see testenv.FHIRPackages).
func packagesDir(t testing.TB) string { return testenv.FHIRPackages(t) }

// versionDirs names each version's package folder.
var versionDirs = map[string]string{"R4": "r4", "STU3": "stu3"}

// paramExpr is one compiled SearchParameter expression (or a composite's
// component expression, evaluated on the results of its parameter).
type paramExpr struct {
	param *defs.SearchParam
	src   string
	expr  *Expr
	comps []*Expr
}

// compileParams compiles every expression of a version's search
// parameters, reporting failures through t.
func compileParams(t testing.TB, v *defs.Version) []*paramExpr {
	var out []*paramExpr
	for _, sp := range v.AllSearchParams() {
		if sp.Expression == "" {
			continue // _text, _content, _query, ... have no expression
		}
		e, err := Compile(sp.Expression)
		if err != nil {
			t.Errorf("%s %s: %v", v.Name, sp.URL, err)
			continue
		}
		pe := &paramExpr{param: sp, src: sp.Expression, expr: e}
		for _, c := range sp.Component {
			ce, err := Compile(c.Expression)
			if err != nil {
				t.Errorf("%s %s component %s: %v", v.Name, sp.URL, c.Definition, err)
				continue
			}
			pe.comps = append(pe.comps, ce)
		}
		out = append(out, pe)
	}
	return out
}

// example is one official example file.
type example struct {
	file string
	typ  string
}

// listExamples returns the package's files named <ResourceType>-*.json,
// sorted, for the version's resource types.
func listExamples(t testing.TB, v *defs.Version) []example {
	dir := filepath.Join(packagesDir(t), versionDirs[v.Name], "package")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	types := map[string]bool{}
	for _, rt := range v.ResourceTypes() {
		types[rt] = true
	}
	var out []example
	for _, e := range entries {
		name := e.Name()
		typ, _, ok := strings.Cut(name, "-")
		if !ok || !strings.HasSuffix(name, ".json") || !types[typ] {
			continue
		}
		out = append(out, example{file: filepath.Join(dir, name), typ: typ})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].file < out[j].file })
	return out
}

// appliesTo reports whether a parameter is defined for resource type rt
// (directly or through a base such as Resource or DomainResource).
func appliesTo(v *defs.Version, sp *defs.SearchParam, rt string) bool {
	c := &evalCtx{model: v}
	for _, b := range sp.Base {
		if c.isSubtype(rt, b) {
			return true
		}
	}
	return false
}

// pairVisitor receives each (example, parameter) evaluation.
type pairVisitor func(ex example, pe *paramExpr, got []Item, err error)

// typeOnlyResolver resolves a reference to its type alone, as the search
// indexer does, so `resolve() is Patient` needs no database.
func typeOnlyResolver(ref string) (string, *fhirjson.Value, bool) {
	rt := ReferenceType(ref)
	return rt, nil, rt != ""
}

// evalExamples evaluates every applicable parameter over every example,
// two files at a time, and calls visit for each pair (serialised).
func evalExamples(t testing.TB, v *defs.Version, params []*paramExpr, visit pairVisitor) {
	exs := listExamples(t, v)
	byType := map[string][]*paramExpr{}
	for _, ex := range exs {
		if _, done := byType[ex.typ]; done {
			continue
		}
		list := []*paramExpr{}
		for _, pe := range params {
			if appliesTo(v, pe.param, ex.typ) {
				list = append(list, pe)
			}
		}
		byType[ex.typ] = list
	}
	env := &Env{Resolve: typeOnlyResolver}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan example)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ex := range work {
				data, err := os.ReadFile(ex.file)
				if err != nil {
					t.Errorf("read %s: %v", ex.file, err)
					continue
				}
				res, err := fhirjson.Parse(data)
				if err != nil {
					t.Errorf("parse %s: %v", ex.file, err)
					continue
				}
				if res.Str("resourceType") != ex.typ {
					continue // a file named after a type it does not hold
				}
				for _, pe := range byType[ex.typ] {
					got, err := pe.expr.Evaluate(env, res, v)
					for _, ce := range pe.comps {
						if err != nil {
							break
						}
						for _, it := range got {
							if _, err = ce.EvaluateOn(env, res, v, []Item{it}); err != nil {
								break
							}
						}
					}
					mu.Lock()
					visit(ex, pe, got, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, ex := range exs {
		work <- ex
	}
	close(work)
	wg.Wait()
}

// TestSearchParamExpressions is issue 4's first proof: every
// SearchParameter expression of both versions compiles, and evaluates
// without error over every official example of its base types.
func TestSearchParamExpressions(t *testing.T) {
	if testing.Short() {
		t.Log("-short: still running, the corpus is the point of this test")
	}
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		t.Run(v.Name, func(t *testing.T) {
			params := compileParams(t, v)
			withExpr := 0
			for _, sp := range v.AllSearchParams() {
				if sp.Expression != "" {
					withExpr++
				}
			}
			if len(params) != withExpr || withExpr < 1000 {
				t.Fatalf("compiled %d of %d expressions", len(params), withExpr)
			}
			pairs, nonEmpty, failed := 0, 0, 0
			covered := map[*paramExpr]bool{}
			evalExamples(t, v, params, func(ex example, pe *paramExpr, got []Item, err error) {
				pairs++
				if err != nil {
					failed++
					if failed <= 20 {
						t.Errorf("%s over %s: %v", pe.param.URL, filepath.Base(ex.file), err)
					}
					return
				}
				if len(got) > 0 {
					nonEmpty++
					covered[pe] = true
				}
			})
			t.Logf("%s: %d expressions compiled; %d (expression, example) pairs evaluated, %d non-empty, %d failed; %d expressions matched some example",
				v.Name, len(params), pairs, nonEmpty, failed, len(covered))
			if failed > 0 {
				t.Errorf("%d evaluations failed", failed)
			}
			if pairs < 10000 || nonEmpty < 3000 {
				t.Errorf("too little evaluated (%d pairs, %d non-empty): is the package folder complete?", pairs, nonEmpty)
			}
		})
	}
}
