package search

import (
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestRegistryCompilesEveryParameter(t *testing.T) {
	for _, v := range []*defs.Version{defs.R4, defs.STU3} {
		r, err := newRegistry(v)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
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
	r4, _ := newRegistry(defs.R4)
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

func TestForTypeKeepsOwnBranches(t *testing.T) {
	r, err := newRegistry(defs.R4)
	if err != nil {
		t.Fatal(err)
	}
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
