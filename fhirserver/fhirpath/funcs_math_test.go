package fhirpath

import "testing"

// TestMathFunctions covers the math functions; irrational results are empty or rounded.
func TestMathFunctions(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"(-5).abs()", "[5]"}, {"(-5.5).abs()", "[5.5]"}, {"(-5.5 'mg').abs()", "[5.5 'mg']"}, {"1.1.ceiling()", "[2]"},
		{"(-1.1).ceiling()", "[-1]"}, {"2.1.floor()", "[2]"}, {"(-2.1).floor()", "[-3]"}, {"(-2.9).truncate()", "[-2]"},
		{"0.exp()", "[1]"}, {"1.ln()", "[0]"}, {"16.log(2)", "[4]"}, {"2.power(3)", "[8]"}, {"2.5.power(2)", "[6.25]"},
		{"(-1).power(0.5)", "[]"}, {"81.sqrt()", "[9]"}, {"(-1).sqrt()", "[]"}, {"3.14159.round(3)", "[3.142]"}, {"2.5.round()", "[3]"},
	})
}
