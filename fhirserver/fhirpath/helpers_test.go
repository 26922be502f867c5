package fhirpath

import (
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func mustJSON(t testing.TB, s string) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return v
}

// render prints a result collection compactly for table tests: System
// values and primitives by value, complex nodes by type and path.
func render(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		if it.isObject() || (it.IsNode() && it.val == nil) {
			parts[i] = it.typ + "@" + it.Path()
			continue
		}
		parts[i] = it.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

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
