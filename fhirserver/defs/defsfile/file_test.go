package defsfile

import (
	"regexp"
	"testing"
)

// TestGeneratedMarker: the marker must have the form Go tools and
// reviewers recognise (https://go.dev/s/generatedcode), since the generated
// files carry it as their first line.
func TestGeneratedMarker(t *testing.T) {
	if !regexp.MustCompile(`^Code generated .* DO NOT EDIT\.$`).MatchString(GeneratedMarker) {
		t.Errorf("marker %q is not in the standard form", GeneratedMarker)
	}
}

func TestKindsAreStructureDefinitionKinds(t *testing.T) {
	for _, k := range []string{KindPrimitive, KindComplex, KindResource} {
		if !regexp.MustCompile(`^(primitive-type|complex-type|resource)$`).MatchString(k) {
			t.Errorf("kind %q is not a StructureDefinition.kind code", k)
		}
	}
}
