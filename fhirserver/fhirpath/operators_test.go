package fhirpath

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

type evalCase struct{ expr, want string }

func runCases(t *testing.T, res string, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := evalString(t, tc.expr, res, defs.R4)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestOperators covers every operator with the spec's examples, including
// three-valued logic and unknown comparisons of dates of different precision.
func TestOperators(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		// equality and equivalence
		{"1 = 1", "[true]"}, {"1 = 1.0", "[true]"}, {"1.50 = 1.5", "[true]"}, {"'a' = 'A'", "[false]"},
		{"'a' ~ 'A'", "[true]"}, {"'a  b' ~ 'A B'", "[true]"}, {"1.2 ~ 1.23", "[true]"}, {"1 != 2", "[true]"},
		{"{} = 1", "[]"}, {"{} ~ {}", "[true]"}, {"1 ~ {}", "[false]"}, {"'a' !~ 'b'", "[true]"},
		{"@2012-01 = @2012-01-01", "[]"}, {"@2012 = @2013-01", "[false]"}, {"@2012-01-01 = @2012-01-01", "[true]"},
		{"@2012-01-01T10:00:00Z = @2012-01-01T11:00:00+01:00", "[true]"}, {"@2012-01 ~ @2012-01-01", "[false]"},
		{"@T10:00 = @T10:00:00", "[]"}, {"@2012-01-01T10:30:00.000 = @2012-01-01T10:30:00", "[true]"},
		{"(1 | 2) = (1 | 2)", "[true]"}, {"(1 | 2) = (2 | 1)", "[false]"}, {"(1 | 2) ~ (2 | 1)", "[true]"},
		{"Patient.name[0] = Patient.name[0]", "[true]"}, {"Patient.name[0] = Patient.name[1]", "[false]"},
		{"0.1 + 0.2 = 0.3", "[true]"}, {"1 'g' = 1000 'mg'", "[true]"}, {"1 'g' = 1 'm'", "[]"},
		{"1 week = 7 days", "[true]"}, {"1 week = 1 'wk'", "[true]"}, {"1 year = 1 'a'", "[]"},
		// comparison
		{"1 < 2", "[true]"}, {"2.5 >= 2", "[true]"}, {"'abc' < 'abd'", "[true]"}, {"@2012 < @2013-01", "[true]"},
		{"@2012-01 < @2012-01-05", "[]"}, {"@T10:00 > @T09:59:59", "[true]"}, {"5 'mg' < 1 'g'", "[true]"},
		{"Patient.birthDate < @1980", "[true]"}, {"{} < 1", "[]"},
		// arithmetic
		{"1 + 2", "[3]"}, {"1 + 2.0", "[3.0]"}, {"1.5 * 2", "[3.0]"}, {"7 / 2", "[3.5]"}, {"1 / 3", "[0.33333333]"},
		{"7 div 2", "[3]"}, {"7 mod 2", "[1]"}, {"-7 div 2", "[-3]"}, {"5.5 mod 0.7", "[0.6]"}, {"1 / 0", "[]"},
		{"7 div 0", "[]"}, {"-(3)", "[-3]"}, {"- 1.5", "[-1.5]"}, {"+1", "[1]"}, {"'a' + 'b'", "[ab]"},
		{"'a' & {}", "[a]"}, {"{} & {}", "[]"}, {"{} + 1", "[]"}, {"2 'mg' + 3 'mg'", "[5 'mg']"},
		{"2 'mg' * 3", "[6 'mg']"}, {"@2012-01-31 + 1 month", "[2012-03-02]"}, {"@2012-02-29 + 1 year", "[2013-03-01]"},
		{"@2012-01-01T10:00:00Z - 2 hours", "[2012-01-01T08:00:00Z]"}, {"@2012 + 1 year", "[2013]"}, {"@T10:00 + 30 minutes", "[10:30]"},
		// logic, with empty as unknown
		{"true and {}", "[]"}, {"false and {}", "[false]"}, {"true or {}", "[true]"}, {"false or {}", "[]"},
		{"true xor true", "[false]"}, {"true xor {}", "[]"}, {"false implies {}", "[true]"}, {"{} implies true", "[true]"},
		{"true implies false", "[false]"}, {"{} implies false", "[]"}, {"Patient.active and Patient.gender = 'male'", "[true]"},
		// collections
		{"1 | 2 | 1", "[1, 2]"}, {"1 in (1 | 2)", "[true]"}, {"3 in (1 | 2)", "[false]"}, {"(1 | 2) contains 2", "[true]"},
		{"{} in (1 | 2)", "[]"}, {"Patient.name.given | Patient.name.family", "[Peter, James, Jim, Chalmers, Windsor]"},
		// precedence
		{"1 + 2 * 3", "[7]"}, {"(1 + 2) * 3", "[9]"}, {"1 | 2 = 1 | 2", "[true]"}, {"2 - 1 - 1", "[0]"},
		{"true or false and false", "[true]"}, {"1 < 2 = true", "[true]"}, {"Patient.name.given.count() > 2 + 1", "[true]"},
		// literals
		{"'a\\tb\\u0041\\''", "[a\tbA']"}, {"@2014-01-01T", "[2014-01-01T]"}, {"@2014-01-01T10:00:00.123+02:00", "[2014-01-01T10:00:00.123+02:00]"},
		{"1 /* inline */ + // comment\n 1", "[2]"}, {"4.0 'kg'", "[4.0 'kg']"}, {"3 days", "[3 day]"},
	})
}
