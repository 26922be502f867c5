package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// obs is an Observation whose subject is the given Reference JSON.
func obs(subject string) string {
	return `{"resourceType":"Observation","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
		"subject":` + subject + `}`
}

func TestReferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // rule@expression
		refs []string // Type/id@expression
		// rewritten is the subject's reference after the check, when it changes.
		rewritten string
	}{
		{name: "relative", doc: obs(`{"reference":"Patient/123"}`),
			refs: []string{"Patient/123@Observation.subject"}},
		{name: "identifier only", doc: obs(`{"identifier":{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9000000009"}}`),
			want: []string{"reference-not-literal@Observation.subject"}},
		{name: "display only", doc: obs(`{"display":"Peter Chalmers"}`),
			want: []string{"reference-not-literal@Observation.subject"}},
		{name: "empty reference", doc: obs(`{"reference":"","display":"x"}`),
			want: []string{"reference-not-literal@Observation.subject"}},
		{name: "contained", doc: `{"resourceType":"Observation","status":"final","code":{"text":"x"},
			"contained":[{"resourceType":"Patient","id":"p","identifier":[{"system":"urn:x","value":"1"}]}],
			"subject":{"reference":"#p"}}`,
			want: []string{"reference-contained@Observation.subject"}},
		{name: "cross server", doc: obs(`{"reference":"https://other.example/fhir/Patient/123"}`),
			want: []string{"reference-cross-server@Observation.subject"}},
		{name: "other scheme same host", doc: obs(`{"reference":"http://acme-gp.example/fhir/Patient/123"}`),
			want: []string{"reference-cross-server@Observation.subject"}},
		{name: "base as a prefix of another path", doc: obs(`{"reference":"https://acme-gp.example/fhir2/Patient/123"}`),
			want: []string{"reference-cross-server@Observation.subject"}},
		{name: "same source absolute", doc: obs(`{"reference":"https://acme-gp.example/fhir/Patient/123"}`),
			refs: []string{"Patient/123@Observation.subject"}, rewritten: "Patient/123"},
		{name: "same source, host in capitals", doc: obs(`{"reference":"HTTPS://ACME-GP.example/fhir/Patient/123"}`),
			refs: []string{"Patient/123@Observation.subject"}, rewritten: "Patient/123"},
		{name: "versioned", doc: obs(`{"reference":"Patient/123/_history/4"}`),
			refs: []string{"Patient/123@Observation.subject"}, rewritten: "Patient/123"},
		{name: "same source versioned", doc: obs(`{"reference":"https://acme-gp.example/fhir/Patient/123/_history/4"}`),
			refs: []string{"Patient/123@Observation.subject"}, rewritten: "Patient/123"},
		{name: "urn uuid", doc: obs(`{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "unknown type", doc: obs(`{"reference":"Foo/1"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "abstract type", doc: obs(`{"reference":"Resource/1"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "type only", doc: obs(`{"reference":"Patient"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "conditional", doc: obs(`{"reference":"Patient?identifier=urn:x|1"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "bad id", doc: obs(`{"reference":"Patient/a b"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "bad history", doc: obs(`{"reference":"Patient/1/_history"}`),
			want: []string{"reference-malformed@Observation.subject"}},
		{name: "in an extension", doc: `{"resourceType":"Condition","subject":{"reference":"Patient/1"},
			"extension":[{"url":"http://example.org/x","valueReference":{"display":"GP"}}]}`,
			want: []string{"reference-not-literal@Condition.extension[0].valueReference"},
			refs: []string{"Patient/1@Condition.subject"}},
		{name: "in a primitive's extension", doc: `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],
			"_birthDate":{"extension":[{"url":"http://example.org/x","valueReference":{"reference":"https://other.example/Practitioner/1"}}]}}`,
			want: []string{"reference-cross-server@Patient.birthDate.extension[0].valueReference"}},
		{name: "in a choice", doc: `{"resourceType":"Observation","status":"final","code":{"text":"x"},
			"subject":{"reference":"Patient/1"},"focus":[{"reference":"Group/2"},{"reference":"#x"}]}`,
			want: []string{"reference-contained@Observation.focus[1]"},
			refs: []string{"Patient/1@Observation.subject", "Group/2@Observation.focus[0]"}},
		{name: "in a backbone element", doc: `{"resourceType":"Encounter","status":"finished","class":{"code":"AMB"},
			"participant":[{"individual":{"reference":"Practitioner/1"}},{"individual":{"reference":"urn:oid:1.2.3"}}]}`,
			want: []string{"reference-malformed@Encounter.participant[1].individual"},
			refs: []string{"Practitioner/1@Encounter.participant[0].individual"}},
		{name: "inside a contained resource", doc: `{"resourceType":"MedicationRequest","status":"active","intent":"order",
			"medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient/1"},
			"contained":[{"resourceType":"Medication","id":"m","manufacturer":{"display":"Acme"}}]}`,
			want: []string{"reference-not-literal@MedicationRequest.contained[0].manufacturer"},
			refs: []string{"Patient/1@MedicationRequest.subject"}},
		{name: "canonical is no reference", doc: `{"resourceType":"Questionnaire","status":"active",
			"derivedFrom":["https://other.example/Questionnaire/1"]}`},
		{name: "identifier assigner", doc: `{"resourceType":"Patient",
			"identifier":[{"system":"urn:x","value":"1","assigner":{"display":"Acme"}}]}`,
			want: []string{"reference-not-literal@Patient.identifier[0].assigner"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, v := check(t, tc.doc)
			if got := violations(r); !slices.Equal(got, tc.want) {
				t.Fatalf("violations %q, want %q", got, tc.want)
			}
			var refs []string
			for _, ref := range r.References {
				refs = append(refs, ref.Type+"/"+ref.ID+"@"+ref.Expression)
			}
			if !slices.Equal(refs, tc.refs) {
				t.Fatalf("references %q, want %q", refs, tc.refs)
			}
			if tc.rewritten != "" {
				if got := v.Get("subject").Str("reference"); got != tc.rewritten {
					t.Fatalf("subject.reference = %q, want %q", got, tc.rewritten)
				}
				if len(r.Changes) != 1 || r.Changes[0].Expression != "Observation.subject.reference" {
					t.Fatalf("changes %+v, want one at Observation.subject.reference", r.Changes)
				}
			} else if len(r.Changes) != 0 {
				t.Fatalf("unexpected changes %+v", r.Changes)
			}
		})
	}
}

func TestReferenceUnsupportedType(t *testing.T) {
	c := New(Config{SourceBase: testBase, Aggregated: func(typ string) bool { return typ != "Group" }})
	r, _ := checkWith(t, c, obs(`{"reference":"Group/1"}`))
	want := []string{"reference-unsupported-type@Observation.subject"}
	if got := violations(r); !slices.Equal(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
	// Same source, stripped: the type is judged after stripping.
	r, _ = checkWith(t, c, obs(`{"reference":"https://acme-gp.example/fhir/Group/1"}`))
	if got := violations(r); !slices.Equal(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
}

// TestValidIDMatchesDefinition keeps validID in step with the id type's
// regular expression in the R4 definitions.
func TestValidIDMatchesDefinition(t *testing.T) {
	pat := defs.R4.Type("id").Pattern()
	if pat == nil {
		t.Fatal("R4 id has no pattern")
	}
	for _, s := range []string{"", "a", "A-1.b", "a b", "a/b", "a_b", "é", strings.Repeat("x", 64), strings.Repeat("x", 65)} {
		if got, want := validID(s), pat.MatchString(s); got != want {
			t.Errorf("validID(%q) = %v, the definition says %v", s, got, want)
		}
	}
}

func TestIsAbsolute(t *testing.T) {
	for s, want := range map[string]bool{
		"https://x/Patient/1": true, "urn:uuid:1": true, "Patient/1": false,
		":x": false, "1http://x": false, "a+b.c-d:x": true, "Patient/1:x": false,
	} {
		if got := isAbsolute(s); got != want {
			t.Errorf("isAbsolute(%q) = %v, want %v", s, got, want)
		}
	}
}
