package rest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
)

// TestSearchScopesCoverEveryTypeRead (issue 15): a token that may search
// Observations only must not learn about Patients through a chain, nor a
// Patient-only token about Observations through _has; the same holds for
// includes, POST _search, batch entries, conditional criteria and
// compartment searches. With enough scopes the answers are unchanged.
func TestSearchScopesCoverEveryTypeRead(t *testing.T) {
	e := newEnv(t, defs.R4, func(c *Config) {
		c.Auth = tokenURL("http://x/oauth2/token")
		eng, err := search.NewEngine(c.Version, c.Store, search.Options{BaseURL: c.BaseURL + "/fhir"})
		if err != nil {
			t.Fatal(err)
		}
		c.Searcher = eng
	})
	as := e.actAs()
	as("system/*.*")
	org := e.create("Organization", `{"resourceType":"Organization","name":"Acme"}`)
	pat := e.create("Patient", `{"resourceType":"Patient","name":[{"family":"Secret"}],"managingOrganization":{"reference":"Organization/`+org+`"}}`)
	obs := e.create("Observation", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:c","code":"hiv"}]},"subject":{"reference":"Patient/`+pat+`"}}`)
	e.create("Provenance", `{"resourceType":"Provenance","target":[{"reference":"Observation/`+obs+`"}],"recorded":"2020-01-02T00:00:00Z","agent":[{"who":{"reference":"Organization/`+org+`"}}]}`)

	cases := []struct {
		name, scope, method, path, body string
		expr                            string // the parameter the 403 names
		mention                         string // in the diagnostics
		wide                            string // scope that allows it
		entries                         int    // entries answered with wide
	}{
		{"typed chain", "system/Observation.rs", "GET", "/fhir/Observation?subject:Patient.family=secret", "", "subject:Patient.family", "system/Patient.s", "system/Observation.rs system/Patient.s", 1},
		{"untyped chain", "system/Observation.rs", "GET", "/fhir/Observation?subject.family=secret", "", "subject.family", "Patient", "system/Observation.rs system/Patient.s", 1},
		{"nested chain", "system/Observation.rs system/Patient.rs", "GET", "/fhir/Observation?patient.organization.name=acme", "", "patient.organization.name", "system/Organization.s", "system/Observation.rs system/Patient.s system/Organization.s", 1},
		{"_has", "system/Patient.rs", "GET", "/fhir/Patient?_has:Observation:patient:code=hiv", "", "_has:Observation:patient:code", "system/Observation.s", "system/Patient.rs system/Observation.s", 1},
		{"_include", "system/Observation.rs system/Patient.rs", "GET", "/fhir/Observation?_include=Observation:subject", "", "_include", "_include=Observation:subject:Patient", "system/Observation.rs system/Patient.rs system/Group.rs system/Device.rs system/Location.rs", 2},
		{"_include narrowed", "system/Observation.rs", "GET", "/fhir/Observation?_include=Observation:subject:Patient", "", "_include", "system/Patient.rs", "system/Observation.rs system/Patient.rs", 2},
		{"_revinclude", "system/Observation.rs", "GET", "/fhir/Observation?_revinclude=Provenance:target", "", "_revinclude", "system/Provenance.rs", "system/Observation.rs system/Provenance.read", 2},
		{"POST _search", "system/Observation.rs", "POST", "/fhir/Observation/_search", "subject:Patient.family=secret", "subject:Patient.family", "Patient", "system/Observation.rs system/Patient.s", 1},
		{"compartment", "system/Observation.rs", "GET", "/fhir/Patient/" + pat + "/Observation?subject:Patient.family=secret", "", "subject:Patient.family", "Patient", "system/Observation.rs system/Patient.s", 1},
		{"system search", "system/Observation.rs", "GET", "/fhir?_type=Observation&subject:Patient.family=secret", "", "subject:Patient.family", "Patient", "system/Observation.rs system/Patient.s", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.method == "POST" {
				hdr = []string{"Content-Type: application/x-www-form-urlencoded"}
			}
			as(c.scope)
			r := e.do(c.method, c.path, c.body, hdr...)
			if r.Status != http.StatusForbidden || issueCode(t, r) != "forbidden" {
				t.Fatalf("narrow scope: %d, want 403 forbidden: %s", r.Status, r.Body)
			}
			is := r.json(t).Get("issue").Items[0]
			if ex := is.Get("expression"); ex == nil || len(ex.Items) != 1 || ex.Items[0].Text != c.expr {
				t.Errorf("expression %s, want [%s]", r.Body, c.expr)
			}
			if d := is.Str("diagnostics"); !strings.Contains(d, c.mention) {
				t.Errorf("diagnostics %q do not mention %q", d, c.mention)
			}
			for _, scope := range []string{c.wide, "system/*.rs"} {
				as(scope)
				r = e.do(c.method, c.path, c.body, hdr...)
				if r.Status != http.StatusOK || len(entries(r.json(t))) != c.entries {
					t.Fatalf("%s: %d with %d entries, want 200 with %d: %s", scope, r.Status, len(entries(r.json(t))), c.entries, r.Body)
				}
			}
		})
	}

	t.Run("batch entry", func(t *testing.T) {
		as("system/Observation.rs")
		r := e.do("POST", "/fhir", bundleOf("batch", `{"request":{"method":"GET","url":"Observation?subject:Patient.family=secret"}}`))
		if r.Status != http.StatusOK {
			t.Fatalf("batch: %d %s", r.Status, r.Body)
		}
		res := entries(r.json(t))[0].Get("response")
		if s := res.Str("status"); !strings.HasPrefix(s, "403") || !strings.Contains(string(r.Body), "subject:Patient.family") {
			t.Fatalf("entry status %q: %s", s, r.Body)
		}
	})
	t.Run("conditional create", func(t *testing.T) {
		as("system/Observation.cruds")
		r := e.do("POST", "/fhir/Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`, "If-None-Exist: subject:Patient.family=secret")
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "subject:Patient.family") {
			t.Fatalf("conditional create: %d %s", r.Status, r.Body)
		}
	})
	t.Run("conditional delete", func(t *testing.T) {
		as("system/Observation.cruds")
		r := e.do("DELETE", "/fhir/Observation?subject:Patient.family=nobody", "")
		if r.Status != http.StatusForbidden {
			t.Fatalf("conditional delete: %d %s", r.Status, r.Body)
		}
	})
	t.Run("include of an unreadable type is refused, not dropped", func(t *testing.T) {
		as("system/Observation.rs system/Patient.s")
		r := e.do("GET", "/fhir/Observation?_include=Observation:subject:Patient", "")
		if r.Status != http.StatusForbidden || !slices.Contains([]string{"forbidden"}, issueCode(t, r)) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}
