package fhirpath

import "testing"

// TestArithmetic covers + - * / div mod & over numbers, strings, quantities and dates.
func TestArithmetic(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"1 + 2", "[3]"}, {"1 + 2.0", "[3.0]"}, {"1.5 * 2", "[3.0]"}, {"7 / 2", "[3.5]"}, {"1 / 3", "[0.33333333]"},
		{"7 div 2", "[3]"}, {"7 mod 2", "[1]"}, {"-7 div 2", "[-3]"}, {"5.5 mod 0.7", "[0.6]"}, {"1 / 0", "[]"},
		{"7 div 0", "[]"}, {"-(3)", "[-3]"}, {"- 1.5", "[-1.5]"}, {"+1", "[1]"}, {"'a' + 'b'", "[ab]"},
		{"'a' & {}", "[a]"}, {"{} & {}", "[]"}, {"{} + 1", "[]"}, {"2 'mg' + 3 'mg'", "[5 'mg']"},
		{"2 'mg' * 3", "[6 'mg']"}, {"@2012-01-31 + 1 month", "[2012-02-29]"}, {"@2012-02-29 + 1 year", "[2013-02-28]"}, {"@2012-03-31 - 1 month", "[2012-02-29]"}, {"@2012-01 + 13 months", "[2013-02]"},
		{"@2012-01-01T10:00:00Z - 2 hours", "[2012-01-01T08:00:00Z]"}, {"@2012 + 1 year", "[2013]"}, {"@T10:00 + 30 minutes", "[10:30]"},
	})
}

// TestLimits checks the guards against hostile input: integer overflow is
// empty, huge powers go through float.
func TestLimits(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"9223372036854775807 + 1", "[]"}, {"-9223372036854775807 - 2", "[]"}, {"4611686018427387904 * 2", "[]"},
		{"2.power(62)", "[4611686018427387904]"}, {"1.power(1000000000)", "[1]"},
	})
	for _, expr := range []string{"'x'.repeat($this + 'a')", "1.5.round(1000000000)"} {
		if _, err := evalString(t, expr, testPatient, nil); err == nil {
			t.Errorf("%s: want an error, not a runaway evaluation", expr)
		}
	}
}
