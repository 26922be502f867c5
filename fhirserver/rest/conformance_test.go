package rest

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/validation"
)

// TestResponsesAreValidResources runs the server's own syntax validation
// over what it answers: the CapabilityStatement, every kind of Bundle and
// OperationOutcomes must be valid resources of the version.
func TestResponsesAreValidResources(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver, func(c *Config) { c.Auth = tokenURL("http://x/oauth2/token") })
			e.h.auth = nil // act without tokens; the statement was built with security
			id := e.create("Patient", `{"resourceType":"Patient","name":[{"family":"V"}]}`)
			e.do("DELETE", "/fhir/Patient/"+id, "")
			e.create("Patient", `{"resourceType":"Patient","name":[{"family":"W"}]}`)
			val, err := validation.For(ver)
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct{ method, path, body string }{
				{"GET", "/fhir/metadata", ""},
				{"GET", "/fhir/OperationDefinition/changes", ""},
				{"GET", "/fhir/Patient?family=w", ""},
				{"GET", "/fhir/Patient?family=w&_summary=true", ""},
				{"GET", "/fhir/_history", ""},
				{"GET", "/fhir/$changes", ""},
				{"GET", "/fhir/Patient/" + id, ""},
				{"POST", "/fhir", bundleOf("batch", `{"request":{"method":"GET","url":"Patient/`+id+`"}}`, `{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}`)},
				{"POST", "/fhir", bundleOf("transaction", `{"fullUrl":"urn:uuid:x","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}`, `{"request":{"method":"DELETE","url":"Patient/`+id+`"}}`)},
			} {
				r := e.do(tt.method, tt.path, tt.body)
				if oe := val.ValidateValue(r.json(t)); oe != nil {
					t.Errorf("%s %s answers an invalid resource: %v\n%.600s", tt.method, tt.path, oe, r.Body)
				}
			}
		})
	}
}
