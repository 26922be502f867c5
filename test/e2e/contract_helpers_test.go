package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The contract_*_test.go files check, from outside the process, the names,
// flags, endpoints, statuses and fields that issues 2–5 spell out, exactly as
// written there. These helpers keep each check to one table row.

// contractServer is one running fhirserver with a customer-client session.
type contractServer struct {
	srv *server
	c   *fhirClient
}

func startContract(t *testing.T, version string, extra ...string) *contractServer {
	t.Helper()
	srv := startServer(t, version, t.TempDir(), extra...)
	return &contractServer{srv: srv, c: newClient(srv.Base, srv.token(false))}
}

// call sends one request under /fhir and fails the test on a transport error.
func (cs *contractServer) call(t *testing.T, method, path, body string, hdr map[string]string) response {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp, err := cs.c.do(context.Background(), method, path, b, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// create POSTs a resource and returns its server-assigned id.
func (cs *contractServer) create(t *testing.T, typ, body string) string {
	t.Helper()
	resp := cs.call(t, "POST", "/"+typ, body, nil)
	if resp.Status != http.StatusCreated {
		t.Fatalf("create %s: status %d: %s", typ, resp.Status, resp.Body)
	}
	return jsonOf(t, resp)["id"].(string)
}

// jsonOf decodes a response body as a JSON object.
func jsonOf(t *testing.T, resp response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(resp.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %v: %q", resp.Status, err, resp.Body)
	}
	return m
}

// wantOutcome asserts an error answer: the status, a FHIR JSON content type
// and an OperationOutcome whose first issue is an error with the given code
// (any code when code is empty). It returns the outcome.
func wantOutcome(t *testing.T, resp response, status int, code string) map[string]any {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
		t.Fatalf("Content-Type %q, want application/fhir+json", ct)
	}
	oo := jsonOf(t, resp)
	if oo["resourceType"] != "OperationOutcome" {
		t.Fatalf("body is a %v, want OperationOutcome: %s", oo["resourceType"], resp.Body)
	}
	issues, _ := oo["issue"].([]any)
	if len(issues) == 0 {
		t.Fatalf("OperationOutcome without issues: %s", resp.Body)
	}
	first := issues[0].(map[string]any)
	if first["severity"] != "error" && first["severity"] != "fatal" {
		t.Fatalf("first issue severity %v, want error: %s", first["severity"], resp.Body)
	}
	if code != "" && first["code"] != code {
		t.Fatalf("first issue code %v, want %s: %s", first["code"], code, resp.Body)
	}
	if d, _ := first["diagnostics"].(string); d == "" {
		t.Fatalf("first issue has no diagnostics: %s", resp.Body)
	}
	return oo
}

// issueExpressions lists the expression of every issue of an OperationOutcome.
func issueExpressions(oo map[string]any) []string {
	var out []string
	for _, is := range oo["issue"].([]any) {
		exprs, _ := is.(map[string]any)["expression"].([]any)
		for _, e := range exprs {
			out = append(out, fmt.Sprint(e))
		}
	}
	return out
}

// bundleIDs returns "Type/id" of every entry of a Bundle whose search mode
// is mode ("" for any).
func bundleIDs(t *testing.T, b map[string]any, mode string) []string {
	t.Helper()
	if b["resourceType"] != "Bundle" {
		t.Fatalf("body is a %v, want Bundle", b["resourceType"])
	}
	var out []string
	entries, _ := b["entry"].([]any)
	for _, e := range entries {
		em := e.(map[string]any)
		if mode != "" {
			s, _ := em["search"].(map[string]any)
			if s == nil || s["mode"] != mode {
				continue
			}
		}
		r, _ := em["resource"].(map[string]any)
		if r == nil {
			continue
		}
		out = append(out, fmt.Sprintf("%v/%v", r["resourceType"], r["id"]))
	}
	return out
}

// bundleLink returns the url of the Bundle link with the given relation.
func bundleLink(b map[string]any, rel string) string {
	links, _ := b["link"].([]any)
	for _, l := range links {
		lm := l.(map[string]any)
		if lm["relation"] == rel {
			return fmt.Sprint(lm["url"])
		}
	}
	return ""
}

// sameSet reports whether two lists hold the same strings, ignoring order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
		if count[s] < 0 {
			return false
		}
	}
	return true
}
