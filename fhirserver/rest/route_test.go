package rest

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

func TestParseRoute(t *testing.T) {
	tests := []struct {
		path string
		want route
	}{
		{"/fhir", route{Kind: routeBase}},
		{"/fhir/", route{Kind: routeBase}},
		{"/fhir/metadata", route{Kind: routeMetadata}},
		{"/fhir/_search", route{Kind: routeSystemSrch}},
		{"/fhir/_history", route{Kind: routeSystemHist}},
		{"/fhir/$changes", route{Kind: routeChanges}},
		{"/fhir/$aggregation-outcome", route{Kind: routeAggOutcomes}},
		{"/fhir/Patient/p1/$aggregation-outcome", route{Kind: routeInstAggOutcome, Type: "Patient", ID: "p1"}},
		{"/fhir/Patient", route{Kind: routeType, Type: "Patient"}},
		{"/fhir/Patient/", route{Kind: routeType, Type: "Patient"}},
		{"/fhir/Patient/_search", route{Kind: routeTypeSearch, Type: "Patient"}},
		{"/fhir/Patient/_history", route{Kind: routeTypeHist, Type: "Patient"}},
		{"/fhir/Patient/a-1.b", route{Kind: routeInstance, Type: "Patient", ID: "a-1.b"}},
		{"/fhir/Patient/1/_history", route{Kind: routeInstHist, Type: "Patient", ID: "1"}},
		{"/fhir/Patient/1/_history/2", route{Kind: routeVersion, Type: "Patient", ID: "1", VersionID: "2"}},
		{"/fhir/Patient/1/Observation", route{Kind: routeCompartment, Type: "Patient", ID: "1", Target: "Observation"}},
		{"/fhir/Patient/1/*", route{Kind: routeCompartment, Type: "Patient", ID: "1", Target: "*"}},
		{"/Patient/1", route{Kind: routeInstance, Type: "Patient", ID: "1"}},
		{"/fhirx/Patient", route{}},
		{"/fhir/patient", route{}},
		{"/fhir/Patient/a_b", route{}},
		{"/fhir/Patient/" + string(make([]byte, 65)), route{}},
		{"/fhir/Patient/1/_history/x_y", route{}},
		{"/fhir/Patient/1/_history/2/3", route{}},
		{"/fhir/metadata/x", route{}},
		{"/fhir/$changes/x", route{}},
		{"/fhir/$aggregation-outcome/x", route{}},
		{"/fhir/Patient/$aggregation-outcome", route{Kind: routeTypeOp, Type: "Patient", ID: "$aggregation-outcome"}}, // an embedder operation: 404 unless one is named so
		{"/fhir/Patient/$", route{}},
		{"/fhir/Patient/1/observation", route{}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := parseRoute(tt.path); got != tt.want {
				t.Errorf("parseRoute(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"/fhir/Patient/1/_history/2", "/fhir//", "/fhir/$changes", "/fhir/A/b/c/d/e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		r := parseRoute(path)
		if r.ID != "" && !validID(r.ID) {
			t.Fatalf("invalid id %q accepted", r.ID)
		}
		if r.Type != "" && !repository.IsTypeName(r.Type) {
			t.Fatalf("invalid type %q accepted", r.Type)
		}
	})
}
