package fhirpath

import (
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// FuzzCompile feeds arbitrary text to the parser and evaluates whatever
// compiles over a Patient: nothing a client sends (FHIRPath Patch paths,
// _filter-like input) may panic, and every rejection is a *SyntaxError
// with a position inside the text.
func FuzzCompile(f *testing.F) {
	seeds := []string{
		"Patient.name.given",
		"Observation.subject.where(resolve() is Patient)",
		"(Observation.value as Quantity) | (Observation.component.value as Quantity)",
		"Condition.abatement.as(Age)",
		"Patient.extension('http://x').value.ofType(string).first()",
		"Bundle.entry[0].resource",
		"iif(1 > 2, 'a', {})",
		"%resource.id & '-' & %`vs-x`",
		"@2014-01-01T10:00:00Z + 1 day",
		"'a\\u00e9'.substring(1, 2) ~ 'É'",
		"(1 | 2 | 3).aggregate($this + $total, 0)",
		"5 'mg' < 1 'g' implies true xor false",
		"name.where(given.exists() and family.startsWith('C')).select(given.join(' '))",
		"-1.5.abs().round(2).toString().length()",
		"Patient.name[1 + 1].`given`",
		"/* c */ x // d",
		"1.",
		"@T",
		"%",
		"((((",
		"'",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	res := mustJSON(f, testPatient)
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Compile(%q) returned %T, want *SyntaxError", src, err)
			}
			if se.Pos < 0 || se.Pos > len(src) {
				t.Fatalf("Compile(%q) error position %d outside the text", src, se.Pos)
			}
			return
		}
		if e.String() != src {
			t.Fatalf("String() = %q, want the source", e.String())
		}
		_, _ = e.Evaluate(nil, res, defs.R4) // must not panic; errors are fine
	})
}
