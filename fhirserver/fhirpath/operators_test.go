package fhirpath

import "testing"

// TestOperators covers boolean logic (with empty as unknown), the collection operators and precedence.
func TestOperators(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"true and {}", "[]"}, {"false and {}", "[false]"}, {"true or {}", "[true]"}, {"false or {}", "[]"},
		{"true xor true", "[false]"}, {"true xor {}", "[]"}, {"false implies {}", "[true]"}, {"{} implies true", "[true]"},
		{"true implies false", "[false]"}, {"{} implies false", "[]"}, {"Patient.active and Patient.gender = 'male'", "[true]"},
		{"1 | 2 | 1", "[1, 2]"}, {"1 in (1 | 2)", "[true]"}, {"3 in (1 | 2)", "[false]"}, {"(1 | 2) contains 2", "[true]"},
		{"{} in (1 | 2)", "[]"}, {"Patient.name.given | Patient.name.family", "[Peter, James, Jim, Chalmers, Windsor]"},
		{"1 + 2 * 3", "[7]"}, {"(1 + 2) * 3", "[9]"}, {"1 | 2 = 1 | 2", "[true]"}, {"2 - 1 - 1", "[0]"},
		{"true or false and false", "[true]"}, {"1 < 2 = true", "[true]"}, {"Patient.name.given.count() > 2 + 1", "[true]"},
	})
}
