package search

import (
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirpath"
)

func TestRegistryCompilesEveryParameter(t *testing.T) {
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		r := newRegistry(v)
		for _, typ := range v.ResourceTypes() {
			r.params(typ) // panics on an expression that does not compile
		}
		if len(r.byURL) < len(v.AllSearchParams())*9/10 {
			t.Errorf("%s: %d of %d parameters compiled", v.Name, len(r.byURL), len(v.AllSearchParams()))
		}
		composites, withExpr := 0, 0
		for _, p := range r.byURL {
			if p.expr != nil {
				withExpr++
			}
			if p.typ == "composite" {
				composites++
				if len(p.comp) < 2 {
					t.Errorf("%s: composite %s has %d components", v.Name, p.def.URL, len(p.comp))
				}
			}
		}
		if withExpr < 1000 || composites == 0 {
			t.Errorf("%s: %d parameters with expressions, %d composites", v.Name, withExpr, composites)
		}
		// Inherited parameters are reachable from every type.
		for _, code := range []string{"_id", "_lastUpdated", "_tag", "_profile", "_security"} {
			if r.lookup("Observation", code) == nil {
				t.Errorf("%s: Observation lacks %s", v.Name, code)
			}
		}
		if r.lookup("Observation", "nosuch") != nil {
			t.Errorf("%s: unknown code found", v.Name)
		}
	}
	r4 := newRegistry(defs.R4)
	if r4.lookup("Patient", "_source") == nil {
		t.Errorf("R4 lacks _source")
	}
}

func TestComponentByName(t *testing.T) {
	if p := componentByName(defs.STU3, "http://hl7.org/fhir/SearchParameter/Observation-code"); p == nil || p.Code != "code" {
		t.Errorf("Observation-code not resolved: %v", p)
	}
	if p := componentByName(defs.STU3, "http://x/nodash"); p != nil {
		t.Errorf("resolved a name without type: %v", p)
	}
}

func TestSplitUnionAndLeadingName(t *testing.T) {
	got := splitUnion("A.b | (C.d as E) | F.where(x = 'a|b') | G.h[0]")
	want := []string{"A.b", "(C.d as E)", "F.where(x = 'a|b')", "G.h[0]"}
	if len(got) != len(want) {
		t.Fatalf("split = %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("split = %q, want %q", got, want)
		}
	}
	for in, name := range map[string]string{"(Observation.value as Quantity)": "Observation", "Patient.name": "Patient", "%resource.x": ""} {
		if got := leadingName(in); got != name {
			t.Errorf("leadingName(%q) = %q, want %q", in, got, name)
		}
	}
}

// TestRegistryCompilesOnFirstUse: a new registry has compiled nothing; a
// type's first lookup compiles that type's parameters, and shares the
// inherited ones with the next type.
func TestRegistryCompilesOnFirstUse(t *testing.T) {
	r := newRegistry(defs.R4)
	if len(r.byURL) != 0 {
		t.Fatalf("%d parameters compiled before any use", len(r.byURL))
	}
	if !r.isType["Observation"] || r.params("Nope") != nil || r.lookup("Nope", "_id") != nil {
		t.Fatal("types not known up front, or an unknown type has parameters")
	}
	if len(r.byURL) != 0 {
		t.Fatal("an unknown type compiled something")
	}
	obs := r.lookup("Observation", "code")
	if obs == nil || obs.expr == nil {
		t.Fatal("Observation.code missing")
	}
	if got, want := len(r.byURL), len(defs.R4.SearchParams("Observation")); got != want {
		t.Errorf("after Observation, %d parameters compiled, want its %d", got, want)
	}
	for typ, tp := range r.byType {
		if tp.done.Load() != (typ == "Observation") {
			t.Errorf("%s compiled: %v", typ, tp.done.Load())
		}
	}
	before := len(r.byURL)
	id := r.byURL[r.lookup("Observation", "_id").def.URL]
	if r.lookup("Patient", "_id") != id || len(r.byURL) != before+len(defs.R4.SearchParams("Patient"))-countShared(defs.R4, "Patient", "Observation") {
		t.Errorf("Patient's _id not shared with Observation's, or %d parameters compiled", len(r.byURL))
	}
	// _revinclude=* needs every type's reference parameters.
	if len(r.referrers("Patient")) < 10 {
		t.Errorf("Patient has %d referring types", len(r.referrers("Patient")))
	}
	for typ, tp := range r.byType {
		if !tp.done.Load() {
			t.Errorf("%s not compiled by referrers", typ)
		}
	}
}

// countShared counts the parameters of type a that type b has too.
func countShared(v *defs.Version, a, b string) int {
	n := 0
	for _, p := range v.SearchParams(a) {
		if q := v.SearchParam(b, p.Code); q == p {
			n++
		}
	}
	return n
}

// TestRegistryConcurrentFirstUse: goroutines racing on a type's first
// lookup all see its parameters (run with -race).
func TestRegistryConcurrentFirstUse(t *testing.T) {
	r := newRegistry(defs.R4)
	var wg sync.WaitGroup
	var missing atomic.Int32
	for i := range 8 {
		wg.Go(func() {
			typ := []string{"Observation", "Patient"}[i%2]
			if r.lookup(typ, "_id") == nil || r.lookup(typ, "identifier") == nil {
				missing.Add(1)
			}
		})
	}
	wg.Wait()
	if missing.Load() != 0 {
		t.Errorf("%d goroutines saw a partly compiled type", missing.Load())
	}
}

func TestForTypeKeepsOwnBranches(t *testing.T) {
	r := newRegistry(defs.R4)
	p := r.lookup("Observation", "patient")
	if p == nil || p.expr == nil {
		t.Fatal("Observation.patient missing")
	}
	if src := p.expr.String(); strings.Contains(src, "AllergyIntolerance") || !strings.Contains(src, "Observation.subject") {
		t.Errorf("Observation's patient expression = %q", src)
	}
	// Resource-level parameters keep their expression.
	if src := r.lookup("Observation", "_id").expr.String(); src != r.byURL[r.lookup("Observation", "_id").def.URL].expr.String() {
		t.Errorf("_id expression changed: %q", src)
	}
}

// Supports answers from the definitions alone (the CapabilityStatement asks
// it of every parameter, and must not compile them all); its answer is the
// one the compiled parameters give, for every type and code of both versions,
// and asking it compiles nothing.
func TestSupportsAgreesWithTheCompiledParameters(t *testing.T) {
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		e := smallStore(t, v).e
		compiled := newRegistry(v)
		asked := 0
		for _, typ := range v.ResourceTypes() {
			for _, sp := range v.SearchParams(typ) {
				p := compiled.lookup(typ, sp.Code)
				want := false
				if p != nil && p.expr != nil {
					switch p.typ {
					case "string", "token", "reference", "uri", "composite", "date", "number", "quantity":
						want = true
					default:
						want = isNear(p)
					}
				}
				if v.Name == "STU3" && typ == "Location" && sp.Code == nearDistanceParam {
					want = e.Supports(typ, nearParam)
				}
				if got := e.Supports(typ, sp.Code); got != want {
					t.Errorf("%s %s.%s: Supports = %v, compiled parameter says %v", v.Name, typ, sp.Code, got, want)
				}
				asked++
			}
		}
		if asked < 1000 {
			t.Errorf("%s: only %d parameters asked", v.Name, asked)
		}
		for typ, tp := range e.reg.byType {
			if tp.done.Load() {
				t.Errorf("%s: asking Supports compiled the parameters of %s", v.Name, typ)
			}
		}
	}
}

// TestSharedKeys: a parameter with the same type and expression as another
// of its type (Patient's phonetic and name: Patient.name) writes no entries
// of its own and answers every kind of query from the other's.
func TestSharedKeys(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	if p := e.reg.lookup("Patient", "phonetic"); p == nil || p.key != "name" {
		t.Fatalf("phonetic reads %v, want name's entries", p)
	}
	for _, code := range []string{"name", "family", "_id", "_lastUpdated"} {
		if p := e.reg.lookup("Patient", code); p.key != code {
			t.Errorf("%s reads %s's entries", code, p.key)
		}
	}
	if p := e.reg.lookup("Practitioner", "phonetic"); p.key != "name" {
		t.Errorf("Practitioner phonetic reads %s's entries", p.key)
	}
	// The shared parameter object of another type is not changed.
	if p := e.reg.lookup("Person", "name"); p.key != "name" {
		t.Errorf("Person name reads %s", p.key)
	}

	pats := []string{
		`{"resourceType":"Patient","id":"a","name":[{"family":"Zeta","given":["Ann"]}]}`,
		`{"resourceType":"Patient","id":"b","name":[{"family":"Alpha","given":["Bob"]}]}`,
		`{"resourceType":"Patient","id":"c","gender":"male"}`,
	}
	f := smallStore(t, defs.R4, pats...)
	for _, en := range entriesOf(t, f.e, pats[0]) {
		if en.Param == "phonetic" {
			t.Fatalf("phonetic has an entry of its own: %q", en.Value)
		}
	}
	expect(t, f, "Patient", "phonetic=zet", "Patient/a")
	expect(t, f, "Patient", "phonetic:exact=Bob", "Patient/b")
	expect(t, f, "Patient", "phonetic:contains=lph", "Patient/b")
	expect(t, f, "Patient", "phonetic:missing=true", "Patient/c")
	expect(t, f, "Patient", "phonetic:missing=false", "Patient/a", "Patient/b")
	got, _ := run(t, f, "Patient", "_sort=phonetic")
	if want := []string{"Patient/b", "Patient/a", "Patient/c"}; !slices.Equal(got, want) {
		t.Errorf("_sort=phonetic gave %v, want %v", got, want)
	}
	got, _ = run(t, f, "Patient", "_sort=-phonetic&name:missing=false")
	if want := []string{"Patient/a", "Patient/b"}; !slices.Equal(got, want) {
		t.Errorf("_sort=-phonetic gave %v, want %v", got, want)
	}
}

// TestUnionParts: a parameter whose expression is the union of others'
// (Observation's combo-*) writes only its sort entries and answers every
// query from its parts' entries, each resource once.
func TestUnionParts(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	for code, want := range map[string][]string{
		"combo-code":                {"code", "component-code"},
		"combo-value-quantity":      {"component-value-quantity", "value-quantity"},
		"combo-code-value-quantity": {"code-value-quantity", "component-code-value-quantity"},
	} {
		if p := e.reg.lookup("Observation", code); !slices.Equal(p.parts, want) {
			t.Errorf("%s parts %v, want %v", code, p.parts, want)
		}
	}
	for _, code := range []string{"code", "component-code", "value-quantity", "subject", "patient"} {
		if p := e.reg.lookup("Observation", code); p.parts != nil {
			t.Errorf("%s is read from %v", code, p.parts)
		}
	}

	obs := []string{
		// bp: a panel code, its components' codes and values.
		`{"resourceType":"Observation","id":"bp","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
		  "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
		               {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`,
		// w: the same code in the Observation and in a component.
		`{"resourceType":"Observation","id":"w","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":130,"system":"http://unitsofmeasure.org","code":"mm[Hg]"},
		  "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":125,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`,
		`{"resourceType":"Observation","id":"x","status":"final","code":{"text":"no coding"}}`,
	}
	f := smallStore(t, defs.R4, obs...)
	for _, en := range entriesOf(t, f.e, obs[0]) {
		if strings.HasPrefix(en.Param, "combo-") && en.Value[0] != tagSortMin && en.Value[0] != tagSortOne && en.Value[0] != tagSortMax {
			t.Errorf("%s has a value entry of its own: %q", en.Param, en.Value)
		}
	}
	expect(t, f, "Observation", "combo-code=85354-9", "Observation/bp")
	expect(t, f, "Observation", "combo-code=http://loinc.org|8480-6", "Observation/bp", "Observation/w")
	expect(t, f, "Observation", "combo-code=8462-4,85354-9", "Observation/bp")
	expect(t, f, "Observation", "combo-code:not=8480-6", "Observation/x")
	expect(t, f, "Observation", "combo-code:missing=false", "Observation/bp", "Observation/w", "Observation/x") // x has code.text
	expect(t, f, "Observation", "combo-code=8480-6&status=final", "Observation/bp", "Observation/w")
	expect(t, f, "Observation", "combo-value-quantity=gt127", "Observation/w")
	expect(t, f, "Observation", "combo-value-quantity=80", "Observation/bp")
	expect(t, f, "Observation", "combo-code-value-quantity=8480-6$120", "Observation/bp")
	expect(t, f, "Observation", "combo-code-value-quantity=8480-6$130", "Observation/w")
	expect(t, f, "Observation", "combo-code-value-quantity=8462-4$120")
	if r := searchReq(t, f, Request{ResourceType: "Observation", Params: url.Values{"combo-code": {"8480-6"}, "_total": {"accurate"}}}); r.Total != 2 {
		t.Errorf("total of combo-code=8480-6 is %d, want 2 (w is in both parts)", r.Total)
	}
	got, _ := run(t, f, "Observation", "_sort=-combo-code")
	if want := []string{"Observation/bp", "Observation/w", "Observation/x"}; !slices.Equal(got, want) {
		t.Errorf("_sort=-combo-code gave %v, want %v", got, want)
	}
	// Streamed pages of a union: each resource once.
	req := Request{ResourceType: "Observation", Params: url.Values{"combo-code": {"8480-6"}, "_count": {"1"}}}
	if forward, _ := walkPages(t, f, req, []string{"Observation/bp", "Observation/w"}); forward == 0 {
		t.Errorf("combo-code=8480-6 did not stream")
	}
}

// TestUnionPartsAreNoUnions: a union's parts are parameters whose entries
// hold their values: never another union, nor a parameter sharing a
// union's key; a parameter sharing a union's key reads the union's parts.
func TestUnionPartsAreNoUnions(t *testing.T) {
	expr, err := fhirpath.Compile("id")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*param{}
	for code, src := range map[string]string{"a": "X", "b": "Y", "z": "Z", "u": "X | Y", "v": "X | Y", "w": "X | Y | Z"} {
		m[code] = &param{code: code, key: code, typ: "token", expr: expr, src: src}
	}
	sharedKeys(m)
	unionParts(m)
	for code, want := range map[string][]string{"u": {"a", "b"}, "v": {"a", "b"}, "w": {"a", "b", "z"}, "a": nil} {
		if got := m[code].parts; !slices.Equal(got, want) {
			t.Errorf("%s parts %v, want %v", code, got, want)
		}
	}
	if m["v"].key != "u" {
		t.Errorf("v reads %s's entries, want u's", m["v"].key)
	}
}
