package search

import (
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
