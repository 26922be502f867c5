package rest

import (
	"context"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// TestTypeOperation: an embedder's operation is routed on a read-only
// handler, its errors keep their status, its definition is served and the
// CapabilityStatement lists it under its type; other names are 404 and GET
// is 405.
func TestTypeOperation(t *testing.T) {
	e := newEnv(t, defs.R4, func(c *Config) {
		c.ReadOnly = true
		c.Operations = []Operation{{
			Type: "Patient", Name: "echo", Description: "answers its input",
			Params: []OperationParam{{Name: "x", Use: "in", Min: "1", Max: "1", Type: "string", Documentation: "x"}},
			Invoke: func(_ context.Context, in *fhirjson.Value) (*fhirjson.Value, error) {
				if in.Get("parameter") == nil {
					return nil, outcome.BadRequest(outcome.CodeRequired, "Parameters.parameter", "x is required")
				}
				return in, nil
			},
		}}
	})
	tests := []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"POST", "/fhir/Patient/$echo", `{"resourceType":"Parameters","parameter":[{"name":"x","valueString":"hi"}]}`, 200, `"hi"`},
		{"POST", "/fhir/Patient/$echo", `{"resourceType":"Parameters"}`, 400, "x is required"},
		{"POST", "/fhir/Patient/$other", `{"resourceType":"Parameters"}`, 404, "no operation"},
		{"POST", "/fhir/Observation/$echo", `{"resourceType":"Parameters"}`, 404, "no operation"},
		{"GET", "/fhir/Patient/$echo", "", 405, ""},
		{"GET", "/fhir/OperationDefinition/Patient-echo", "", 200, `"resource":["Patient"]`},
		{"GET", "/fhir/metadata", "", 200, `/OperationDefinition/Patient-echo`},
	}
	for _, tc := range tests {
		r := e.do(tc.method, tc.path, tc.body)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.contains) {
			t.Errorf("%s %s: %d %s, want %d containing %s", tc.method, tc.path, r.Status, r.Body, tc.status, tc.contains)
		}
	}
}
