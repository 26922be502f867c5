package fhirpath

import "testing"

// TestEqualityAndComparison covers = ~ != !~ and the orderings, including unknown results for dates of different precision and units that do not convert.
func TestEqualityAndComparison(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"1 = 1", "[true]"}, {"1 = 1.0", "[true]"}, {"1.50 = 1.5", "[true]"}, {"'a' = 'A'", "[false]"},
		{"'a' ~ 'A'", "[true]"}, {"'a\tb' ~ 'A B'", "[true]"}, {"'a  b' ~ 'A B'", "[false]"}, {"1.2 ~ 1.23", "[true]"}, {"1 != 2", "[true]"},
		{"{} = 1", "[]"}, {"{} ~ {}", "[true]"}, {"1 ~ {}", "[false]"}, {"'a' !~ 'b'", "[true]"},
		{"@2012-01 = @2012-01-01", "[]"}, {"@2012 = @2013-01", "[false]"}, {"@2012-01-01 = @2012-01-01", "[true]"},
		{"@2012-01-01T10:00:00Z = @2012-01-01T11:00:00+01:00", "[true]"}, {"@2012-01 ~ @2012-01-01", "[false]"},
		{"@T10:00 = @T10:00:00", "[]"}, {"@2012-01-01T10:30:00.000 = @2012-01-01T10:30:00", "[true]"},
		{"(1 | 2) = (1 | 2)", "[true]"}, {"(1 | 2) = (2 | 1)", "[false]"}, {"(1 | 2) ~ (2 | 1)", "[true]"},
		{"Patient.name[0] = Patient.name[0]", "[true]"}, {"Patient.name[0] = Patient.name[1]", "[false]"},
		{"0.1 + 0.2 = 0.3", "[true]"}, {"1 'g' = 1000 'mg'", "[true]"}, {"1 'g' = 1 'm'", "[]"},
		{"1 week = 7 days", "[true]"}, {"1 week = 1 'wk'", "[true]"}, {"1 year = 1 'a'", "[]"},
		{"1 < 2", "[true]"}, {"2.5 >= 2", "[true]"}, {"'abc' < 'abd'", "[true]"}, {"@2012 < @2013-01", "[true]"},
		{"@2012-01 < @2012-01-05", "[]"}, {"@T10:00 > @T09:59:59", "[true]"}, {"5 'mg' < 1 'g'", "[true]"},
		{"Patient.birthDate < @1980", "[true]"}, {"{} < 1", "[]"},
	})
}
