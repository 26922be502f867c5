package e2e

import (
	"testing"
)

// Contract deviations found by black-box QA, each kept as a permanent check
// once fixed. Every test here failed against the binary before its fix.

// Conditional criteria are strict: a misspelt parameter beside a known one
// used to be dropped, so DELETE Patient?gender=unknown&identifer=keep|1
// deleted every Patient with gender unknown.
func TestFixConditionalCriteriaAreStrict(t *testing.T) {
	cs := startContract(t, "R4")
	cs.create(t, "Patient", `{"resourceType":"Patient","gender":"unknown","identifier":[{"system":"keep","value":"1"}]}`)
	cs.create(t, "Patient", `{"resourceType":"Patient","gender":"unknown","identifier":[{"system":"keep","value":"2"}]}`)
	cases := []struct{ name, method, path, body string }{
		{"delete", "DELETE", "/Patient?gender=unknown&identifer=keep|1", ""},
		{"update", "PUT", "/Patient?gender=unknown&identifer=keep|1", `{"resourceType":"Patient","gender":"male"}`},
		{"patch", "PATCH", "/Patient?gender=unknown&identifer=keep|1", `[{"op":"replace","path":"/gender","value":"male"}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.method == "PATCH" {
				hdr["Content-Type"] = "application/json-patch+json"
			}
			oo := wantOutcome(t, cs.call(t, tc.method, tc.path, tc.body, hdr), 400, "")
			if got := issueExpressions(oo); len(got) != 1 || got[0] != "identifer" {
				t.Errorf("expression %v, want [identifer]", got)
			}
			b := jsonOf(t, cs.call(t, "GET", "/Patient?gender=unknown", "", nil))
			if n := len(bundleIDs(t, b, "match")); n != 2 {
				t.Fatalf("%d of 2 Patients left with gender unknown", n)
			}
		})
	}
	t.Run("If-None-Exist", func(t *testing.T) {
		r := cs.call(t, "POST", "/Patient", `{"resourceType":"Patient"}`, map[string]string{"If-None-Exist": "identifer=keep|1"})
		wantOutcome(t, r, 400, "")
	})
}

