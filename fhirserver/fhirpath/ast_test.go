package fhirpath

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestIterationVariables covers $this, $index and $total binding and the
// indexer with computed and out-of-range indexes.
func TestIterationVariables(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"Patient.name.select($index)", "[0, 1, 2]"},
		{"Patient.name.given.select($this & $index.toString())", "[Peter0, James1, Jim2, Peter3, James4]"},
		{"$index", "[]"}, {"$total", "[]"},
		{"Patient.name[1 + 1].family", "[Windsor]"}, {"Patient.name[-1]", "[]"}, {"Patient.name[{}]", "[]"},
		{"Patient.name.where($this.given[0] = 'Peter').family", "[Chalmers, Windsor]"},
		{"(Patient.name.given.count())", "[5]"},
	})
	for _, expr := range []string{"Patient.name['a']", "-Patient.name.given", "-'a'", "Patient.name is HumanName"} {
		if _, err := evalString(t, expr, testPatient, defs.R4); err == nil {
			t.Errorf("%s: no error", expr)
		}
	}
}
