package e2e

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 5, "Scopes": each interaction needs its letter (create c,
// read/vread/history r, update/patch u, delete d, search s), SMART v1 and v2
// forms; the aggregator client reads, searches, reads history and follows the
// change feed, nothing else; every entry of a batch is checked; 403 with an
// OperationOutcome.

func TestContractScopeLetters(t *testing.T) {
	cs := startContract(t, "R4")
	dir := filepath.Join(cs.srv.DataDir, "credentials")
	id, secret := readCred(t, dir, "client_id"), readCred(t, dir, "client_secret")
	pat := cs.create(t, "Patient", `{"resourceType":"Patient","gender":"male"}`)
	cs.create(t, "Patient", `{"resourceType":"Patient","id":"gone"}`)

	type op struct {
		name, method, path, body, ctype string
	}
	ops := []op{
		{"create", "POST", "/Patient", `{"resourceType":"Patient"}`, ""},
		{"read", "GET", "/Patient/" + pat, "", ""},
		{"vread", "GET", "/Patient/" + pat + "/_history/1", "", ""},
		{"history-instance", "GET", "/Patient/" + pat + "/_history", "", ""},
		{"history-type", "GET", "/Patient/_history", "", ""},
		{"search-type", "GET", "/Patient?gender=male", "", ""},
		{"update", "PUT", "/Patient/" + pat, `{"resourceType":"Patient","id":"` + pat + `","gender":"male"}`, ""},
		{"patch", "PATCH", "/Patient/" + pat, `[{"op":"add","path":"/active","value":true}]`, "application/json-patch+json"},
		{"delete", "DELETE", "/Patient/gone", "", ""},
		{"search-other-type", "GET", "/Observation", "", ""},
	}
	// For each scope string, the operations it allows (all others 403).
	cases := []struct {
		scope string
		allow string // space-separated op names
	}{
		{"system/Patient.r", "read vread history-instance history-type"},
		{"system/Patient.s", "search-type"},
		{"system/Patient.c", "create"},
		{"system/Patient.u", "update patch"},
		{"system/Patient.d", "delete"},
		{"system/Patient.read", "read vread history-instance history-type search-type"},
		{"system/*.read", "read vread history-instance history-type search-type search-other-type"},
		{"system/Patient.write", "create update patch delete"},
		{"system/Observation.cruds", "search-other-type"},
	}
	for _, tc := range cases {
		t.Run(tc.scope, func(t *testing.T) {
			a := postToken(t, cs.srv.Base, url.Values{"grant_type": {"client_credentials"}, "scope": {tc.scope}}, id, secret)
			if a.status != 200 {
				t.Fatalf("token for %s: %d %v", tc.scope, a.status, a.body)
			}
			c := newClient(cs.srv.Base, a.body["access_token"].(string))
			allowed := map[string]bool{}
			for _, n := range strings.Fields(tc.allow) {
				allowed[n] = true
			}
			for _, o := range ops {
				if o.name == "delete" && allowed["delete"] {
					// keep the delete target alive for later rows
					continue
				}
				hdr := map[string]string{}
				if o.ctype != "" {
					hdr["Content-Type"] = o.ctype
				}
				var body []byte
				if o.body != "" {
					body = []byte(o.body)
				}
				r, err := c.do(t.Context(), o.method, o.path, body, hdr)
				if err != nil {
					t.Fatal(err)
				}
				if allowed[o.name] {
					if r.Status >= 300 {
						t.Errorf("%s with %s: %d, want success: %s", o.name, tc.scope, r.Status, r.Body)
					}
					continue
				}
				if r.Status != http.StatusForbidden {
					t.Errorf("%s with %s: %d, want 403", o.name, tc.scope, r.Status)
					continue
				}
				wantOutcome(t, r, http.StatusForbidden, "forbidden")
			}
		})
	}
}

func TestContractAggregatorReadOnly(t *testing.T) {
	cs := startContract(t, "STU3")
	pat := cs.create(t, "Patient", `{"resourceType":"Patient"}`)
	agg := newClient(cs.srv.Base, cs.srv.token(true))
	cases := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/Patient/" + pat, "", 200},
		{"GET", "/Patient/" + pat + "/_history/1", "", 200},
		{"GET", "/Patient/" + pat + "/_history", "", 200},
		{"GET", "/_history", "", 200},
		{"GET", "/Patient?_id=" + pat, "", 200},
		{"GET", "?_type=Patient", "", 200},
		{"GET", "/$changes", "", 200},
		{"POST", "/Patient", `{"resourceType":"Patient"}`, 403},
		{"PUT", "/Patient/" + pat, `{"resourceType":"Patient","id":"` + pat + `"}`, 403},
		{"PUT", "/Patient/new-one", `{"resourceType":"Patient","id":"new-one"}`, 403},
		{"DELETE", "/Patient/" + pat, "", 403},
		{"DELETE", "/Patient?_id=" + pat, "", 403},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			r, err := agg.do(t.Context(), tc.method, tc.path, body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.status == 403 {
				wantOutcome(t, r, 403, "forbidden")
				return
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	t.Run("batch entries checked one by one", func(t *testing.T) {
		bundle := `{"resourceType":"Bundle","type":"batch","entry":[
			{"request":{"method":"GET","url":"Patient/` + pat + `"}},
			{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient"}}]}`
		r, err := agg.do(t.Context(), "POST", "", []byte(bundle), nil)
		if err != nil {
			t.Fatal(err)
		}
		b := jsonOf(t, r)
		entries, _ := b["entry"].([]any)
		if r.Status != 200 || len(entries) != 2 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		st := func(i int) string {
			return entries[i].(map[string]any)["response"].(map[string]any)["status"].(string)
		}
		if !strings.HasPrefix(st(0), "200") || !strings.HasPrefix(st(1), "403") {
			t.Fatalf("entry statuses %q %q, want 200 and 403", st(0), st(1))
		}
	})
	t.Run("transaction with a write refused whole", func(t *testing.T) {
		bundle := `{"resourceType":"Bundle","type":"transaction","entry":[
			{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient"}}]}`
		r, err := agg.do(t.Context(), "POST", "", []byte(bundle), nil)
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, r, 403, "forbidden")
	})
}

// Issue 15, item 2: every type a search reads needs search permission, not
// only the type searched. A system/Observation.rs token learnt Patient data
// through subject:Patient.family (one entry or none), a system/Patient.rs
// token Observation codes through _has; includes returned other types. Now
// each is a 403 naming the parameter as written, and with enough scopes the
// same searches answer as before.
func TestContractScopeChannels(t *testing.T) {
	cs := startContract(t, "R4")
	dir := filepath.Join(cs.srv.DataDir, "credentials")
	id, secret := readCred(t, dir, "client_id"), readCred(t, dir, "client_secret")
	org := cs.create(t, "Organization", `{"resourceType":"Organization","name":"Acme"}`)
	pat := cs.create(t, "Patient", `{"resourceType":"Patient","name":[{"family":"Secret"}],"managingOrganization":{"reference":"Organization/`+org+`"}}`)
	obs := cs.create(t, "Observation", `{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"urn:c","code":"hiv"}]},"subject":{"reference":"Patient/`+pat+`"}}`)
	prov := cs.create(t, "Provenance", `{"resourceType":"Provenance","target":[{"reference":"Observation/`+obs+`"}],"recorded":"2020-01-02T00:00:00Z","agent":[{"who":{"reference":"Organization/`+org+`"}}]}`)
	as := func(t *testing.T, scope string) *fhirClient {
		a := postToken(t, cs.srv.Base, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, id, secret)
		if a.status != 200 {
			t.Fatalf("token for %s: %d %v", scope, a.status, a.body)
		}
		return newClient(cs.srv.Base, a.body["access_token"].(string))
	}
	cases := []struct {
		name, narrow, path, expr, wide string
		want                           []string // Type/id of every entry with wide scopes
	}{
		{"typed chain", "system/Observation.rs", "/Observation?subject:Patient.family=secret", "subject:Patient.family", "system/Observation.rs system/Patient.s",
			[]string{"Observation/" + obs}},
		{"untyped chain", "system/Observation.rs", "/Observation?subject.family=secret", "subject.family", "system/Observation.rs system/Patient.s",
			[]string{"Observation/" + obs}},
		{"nested chain", "system/Observation.rs system/Patient.rs", "/Observation?patient.organization.name=acme", "patient.organization.name", "system/Observation.rs system/Patient.s system/Organization.s",
			[]string{"Observation/" + obs}},
		{"_has", "system/Patient.rs", "/Patient?_has:Observation:patient:code=hiv", "_has:Observation:patient:code", "system/Patient.rs system/Observation.s",
			[]string{"Patient/" + pat}},
		{"_include", "system/Observation.rs", "/Observation?_include=Observation:subject:Patient", "_include", "system/Observation.rs system/Patient.rs",
			[]string{"Observation/" + obs, "Patient/" + pat}},
		{"_include reaching several types", "system/Observation.rs system/Patient.rs", "/Observation?_include=Observation:subject", "_include", "system/*.read",
			[]string{"Observation/" + obs, "Patient/" + pat}},
		{"_revinclude", "system/Observation.rs", "/Observation?_revinclude=Provenance:target", "_revinclude", "system/Observation.rs system/Provenance.read",
			[]string{"Observation/" + obs, "Provenance/" + prov}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := as(t, c.narrow).do(t.Context(), "GET", c.path, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			oo := wantOutcome(t, r, http.StatusForbidden, "forbidden")
			if ex := issueExpressions(oo); len(ex) != 1 || ex[0] != c.expr {
				t.Fatalf("expressions %v, want [%s]", ex, c.expr)
			}
			for _, scope := range []string{c.wide, "system/*.rs"} {
				r, err = as(t, scope).do(t.Context(), "GET", c.path, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != http.StatusOK {
					t.Fatalf("%s: status %d: %s", scope, r.Status, r.Body)
				}
				if got := bundleIDs(t, jsonOf(t, r), ""); !sameSet(got, c.want) {
					t.Fatalf("%s: entries %v, want %v", scope, got, c.want)
				}
			}
		})
	}
}
