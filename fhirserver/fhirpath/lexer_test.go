package fhirpath

import "testing"

// TestLiterals covers string escapes, date/time/quantity literals and comments.
func TestLiterals(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"'a\\tb\\u0041\\''", "[a\tbA']"}, {"@2014-01-01T", "[2014-01-01T]"}, {"@2014-01-01T10:00:00.123+02:00", "[2014-01-01T10:00:00.123+02:00]"},
		{"1 /* inline */ + // comment\n 1", "[2]"}, {"4.0 'kg'", "[4.0 'kg']"}, {"3 days", "[3 day]"},
	})
}
