package merge

import (
	"regexp"
	"testing"
)

var fhirID = regexp.MustCompile(`^[A-Za-z0-9\-\.]{1,64}$`)

func TestCopyID(t *testing.T) {
	a := CopyID("gp", "Observation", "1")
	for _, tc := range []struct {
		name         string
		src, typ, id string
		same         bool
	}{
		{"same input, same id", "gp", "Observation", "1", true},
		{"other source", "lab", "Observation", "1", false},
		{"other type", "gp", "Condition", "1", false},
		{"other id", "gp", "Observation", "2", false},
		{"parts do not run together", "gpO", "bservation", "1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CopyID(tc.src, tc.typ, tc.id)
			if !fhirID.MatchString(got) {
				t.Errorf("%q is no FHIR id", got)
			}
			if (got == a) != tc.same {
				t.Errorf("CopyID = %q vs %q, want same=%v", got, a, tc.same)
			}
		})
	}
}

func TestGroupID(t *testing.T) {
	p1 := contributor(t, "gp", "1", 0, patient("9000000009"))
	p2 := contributor(t, "lab", "7", 5, patient("urn:lab|55", "9000000009"))
	p3 := contributor(t, "gp", "2", 0, patient("http://a.example|0"))
	noKey := contributor(t, "gp", "m1", 0, `{"resourceType":"Medication"}`)
	base := GroupID([]Contributor{p1})
	for _, tc := range []struct {
		name string
		cs   []Contributor
		same bool
	}{
		{"order does not matter", []Contributor{p2, p1}, true},
		{"a larger key joining keeps the id", []Contributor{p1, p2}, true},
		{"a smaller key joining changes it", []Contributor{p1, p3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := GroupID(tc.cs)
			if !fhirID.MatchString(got) {
				t.Errorf("%q is no FHIR id", got)
			}
			if (got == base) != tc.same {
				t.Errorf("GroupID = %q vs %q, want same=%v", got, base, tc.same)
			}
		})
	}
	if got, want := GroupID([]Contributor{noKey}), CopyID("gp", "Medication", "m1"); got != want {
		t.Errorf("keyless group id = %q, want its copy id %q", got, want)
	}
}
