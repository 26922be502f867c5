package rules

import (
	"slices"
	"testing"
)

// TestWalkLenient: what the definitions do not describe is skipped, never
// an error or a panic; the rules still apply to what they do describe.
func TestWalkLenient(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string
	}{
		{name: "unknown property", doc: `{"resourceType":"Observation","subject":{"reference":"Patient/1"},"foo":{"reference":"#x"}}`},
		{name: "wrong kinds", doc: `{"resourceType":"Observation","subject":"Patient/1","focus":{"reference":"#x"},"code":[1,null]}`,
			want: []string{"reference-contained@Observation.focus"}},
		{name: "array items of the wrong kind", doc: `{"resourceType":"Observation","focus":[1,null,{"reference":"#x"}]}`,
			want: []string{"reference-contained@Observation.focus[2]"}},
		{name: "reference is a number", doc: obs(`{"reference":1}`),
			want: []string{"reference-not-literal@Observation.subject"}},
		{name: "contained without a type", doc: `{"resourceType":"Observation","contained":[{"id":"x","subject":{"reference":"#y"}}]}`},
		{name: "primitive array extensions", doc: `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],
			"name":[{"given":["a",null],"_given":[null,{"extension":[{"url":"u","valueReference":{"reference":"#x"}}]}]}]}`,
			want: []string{"reference-contained@Patient.name[0].given[1].extension[0].valueReference"}},
		{name: "bundle entries", doc: `{"resourceType":"Bundle","type":"collection","entry":[
			{"fullUrl":"https://acme-gp.example/fhir/Patient/1","resource":{"resourceType":"Patient","identifier":[{"value":"1"}]}}]}`,
			want: []string{"identifier-incomplete@Bundle.entry[0].resource.identifier[0].system"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := check(t, tc.doc)
			if got := violations(r); !slices.Equal(got, tc.want) {
				t.Fatalf("violations %q, want %q", got, tc.want)
			}
		})
	}
}
