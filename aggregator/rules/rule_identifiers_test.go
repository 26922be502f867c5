package rules

import (
	"slices"
	"testing"
)

func TestIdentifiers(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string
	}{
		{name: "patient with an NHS number", doc: `{"resourceType":"Patient",
			"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"},{"system":"urn:x","value":"1"}]}`},
		{name: "patient without identifiers", doc: `{"resourceType":"Patient","name":[{"family":"Chalmers"}]}`,
			want: []string{"identifier-missing@Patient.identifier"}},
		{name: "empty identifier list", doc: `{"resourceType":"Practitioner","identifier":[]}`,
			want: []string{"identifier-missing@Practitioner.identifier"}},
		{name: "person without identifiers", doc: `{"resourceType":"Person","name":[{"family":"Chalmers"}]}`,
			want: []string{"identifier-missing@Person.identifier"}},
		{name: "organization needs none", doc: `{"resourceType":"Organization","name":"Acme"}`},
		{name: "two of one system", doc: `{"resourceType":"Patient","identifier":[
			{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"},
			{"system":"urn:x","value":"1"},
			{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]}`,
			want: []string{"identifier-duplicate-system@Patient.identifier[2].system"}},
		{name: "no system", doc: `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"},{"value":"2"}]}`,
			want: []string{"identifier-incomplete@Patient.identifier[1].system"}},
		{name: "no value", doc: `{"resourceType":"Patient","identifier":[{"system":"urn:x","_value":{"extension":[{"url":"http://example.org/x","valueString":"y"}]}}]}`,
			want: []string{"identifier-incomplete@Patient.identifier[0].value"}},
		{name: "neither", doc: `{"resourceType":"Patient","identifier":[{"use":"usual"}]}`,
			want: []string{"identifier-incomplete@Patient.identifier[0].system", "identifier-incomplete@Patient.identifier[0].value"}},
		{name: "nested in a backbone element", doc: `{"resourceType":"Claim","status":"active","use":"claim",
			"type":{"text":"x"},"patient":{"reference":"Patient/1"},"created":"2020-01-01","provider":{"reference":"Organization/1"},
			"priority":{"text":"normal"},"insurance":[{"sequence":1,"focal":true,"coverage":{"reference":"Coverage/1"},
			"identifier":{"value":"123"}}]}`,
			want: []string{"identifier-incomplete@Claim.insurance[0].identifier.system"}},
		{name: "in an extension", doc: `{"resourceType":"Condition","subject":{"reference":"Patient/1"},
			"extension":[{"url":"http://example.org/x","valueIdentifier":{"system":"urn:x"}}]}`,
			want: []string{"identifier-incomplete@Condition.extension[0].valueIdentifier.value"}},
		{name: "in an identifier-only reference", doc: obs(`{"identifier":{"value":"9000000009"}}`),
			want: []string{"reference-not-literal@Observation.subject", "identifier-incomplete@Observation.subject.identifier.system"}},
		{name: "invalid NHS number", doc: `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000001"}]}`,
			want: []string{"nhs-number-invalid@Patient.identifier[0].value"}},
		{name: "NHS number with spaces", doc: `{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"900 000 0009"}]}`,
			want: []string{"nhs-number-invalid@Patient.identifier[0].value"}},
		{name: "invalid NHS number deep", doc: `{"resourceType":"Observation","status":"final","code":{"text":"x"},
			"subject":{"reference":"Patient/1"},
			"contained":[{"resourceType":"Patient","id":"p","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"123"}]}]}`,
			want: []string{"nhs-number-invalid@Observation.contained[0].identifier[0].value"}},
		{name: "contained patient needs no identifier", doc: `{"resourceType":"Observation","status":"final","code":{"text":"x"},
			"subject":{"reference":"Patient/1"},"contained":[{"resourceType":"Patient","id":"p"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := check(t, tc.doc)
			if got := violations(r); !slices.Equal(got, tc.want) {
				t.Fatalf("violations %q, want %q", got, tc.want)
			}
		})
	}
}
