package search

import (
	"net/http"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestCompartments(t *testing.T) {
	f := smallStore(t, defs.R4, chainWorld...)
	got := names(searchReq(t, f, Request{ResourceType: "Observation", Compartment: &CompartmentRef{Type: "Patient", ID: "p1"}}))
	if len(got) != 1 || got[0] != "Observation/o1" {
		t.Errorf("Patient/p1/Observation = %v", got)
	}
	// The compartment's own resource is in it ({def}).
	got = names(searchReq(t, f, Request{ResourceType: "Patient", Compartment: &CompartmentRef{Type: "Patient", ID: "p1"}}))
	if len(got) != 1 || got[0] != "Patient/p1" {
		t.Errorf("Patient/p1/Patient = %v", got)
	}
	// Every type in the compartment when none is named: o1 and Provenance? No:
	// Provenance is in the Patient compartment through its patient parameter only.
	got = names(searchReq(t, f, Request{Compartment: &CompartmentRef{Type: "Patient", ID: "p1"}}))
	if want := []string{"Observation/o1", "Patient/p1"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Patient/p1/* = %v, want %v", got, want)
	}
	// Filters still apply inside a compartment.
	got = names(searchReq(t, f, Request{ResourceType: "Observation", Compartment: &CompartmentRef{Type: "Patient", ID: "p1"}, Params: map[string][]string{"code": {"2-2"}}}))
	if len(got) != 0 {
		t.Errorf("filtered compartment = %v", got)
	}
	_, err := f.e.Search(t.Context(), Request{ResourceType: "Observation", Compartment: &CompartmentRef{Type: "Nope", ID: "1"}})
	if oe, ok := outcome.As(err); !ok || oe.Status != http.StatusNotFound {
		t.Errorf("unknown compartment: %v", err)
	}
}
