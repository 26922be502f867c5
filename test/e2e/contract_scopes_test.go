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
