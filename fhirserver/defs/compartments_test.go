package defs

import (
	"slices"
	"strings"
	"testing"
)

func TestCompartments(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			var codes []string
			for _, c := range v.Compartments() {
				codes = append(codes, c.Code)
				if v.Compartment(c.Code) != c {
					t.Errorf("Compartment(%s) differs", c.Code)
				}
			}
			if want := []string{"Device", "Encounter", "Patient", "Practitioner", "RelatedPerson"}; !slices.Equal(codes, want) {
				t.Errorf("codes %v, want %v", codes, want)
			}
			patient := v.Compartment("Patient")
			if got := patient.Params("Observation"); !slices.Equal(got, []string{"subject", "performer"}) {
				t.Errorf("Patient compartment Observation params = %v", got)
			}
			if got := patient.Params("Patient"); !slices.Equal(got, []string{"link"}) {
				t.Errorf("Patient compartment Patient params = %v", got)
			}
			if patient.Params("Organization") != nil {
				t.Error("Organization is in the Patient compartment")
			}
			if v.Compartment("Nope") != nil {
				t.Error("unknown compartment found")
			}
		})
	}
}

// TestCompartmentParamsExist checks each compartment link against the
// search parameters: the server resolves compartment searches through them.
// STU3's Patient compartment also links through chains (Provenance
// target.subject, AuditEvent agent.patient): there the first link must be a
// reference parameter. Both versions use the pseudo-parameter {def} for
// the compartment's own type (Encounter in the Encounter compartment), which
// is not a SearchParameter.
func TestCompartmentParamsExist(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			for _, c := range v.Compartments() {
				if len(c.Resources) == 0 {
					t.Errorf("%s is empty", c.Code)
				}
				for rt, params := range c.Resources {
					if v.Resource(rt) == nil {
						t.Errorf("%s: %s is not a resource type", c.Code, rt)
					}
					for _, code := range params {
						if code == "{def}" {
							if rt != c.Code {
								t.Errorf("%s compartment: {def} on %s", c.Code, rt)
							}
							continue
						}
						first, _, chained := strings.Cut(code, ".")
						p := v.SearchParam(rt, first)
						if p == nil || (chained && p.Type != "reference") {
							t.Errorf("%s compartment: %s?%s is not a search parameter", c.Code, rt, code)
						}
					}
				}
			}
		})
	}
}
