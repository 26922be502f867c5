package fhirpath

import (
	"errors"
	"strings"
	"testing"
)

// TestSyntaxErrors checks that malformed expressions are rejected with the
// position of the mistake.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		msg  string
	}{
		{"", 0, "empty expression"},
		{"Patient.", 8, "expected a name"},
		{"Patient.name.where(", 19, "unexpected end"},
		{"Patient.name.foo()", 13, "unknown function foo()"},
		{"Patient.name.where()", 13, "where() takes 1 argument"},
		{"'abc", 0, "unterminated string"},
		{"Patient.name )", 13, "unexpected \")\""},
		{"1 +", 3, "unexpected end"},
		{"a # b", 2, "unexpected character"},
		{"$foo", 0, "unknown special variable"},
		{"@20x", 0, "invalid date/time literal"},
		{"x.ofType(1)", 2, "needs a type name"},
		{"x is 5", 5, "expected a type name"},
		{"(1", 2, "expected \")\""},
		{"/* open", 0, "unterminated comment"},
		{strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 200, "nested more than 200 deep"},
		{strings.Repeat("-", 300) + "1", 199, "nested more than 200 deep"},
		{"a" + strings.Repeat(".a", 1200), 2003, "path longer than 1000 steps"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := Compile(tc.expr)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want SyntaxError, got %v", err)
			}
			if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("got %q at %d, want %q at %d", se.Msg, se.Pos, tc.msg, tc.pos)
			}
		})
	}
}
