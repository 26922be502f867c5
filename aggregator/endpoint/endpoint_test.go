package endpoint

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestServing: read-only (every write 405 with an OperationOutcome), the
// metadata says so and needs no token, SMART discovery at both places
// names the token exchange, a type holding nothing answers an empty
// searchset, the customer servers' own operations are not here, and no
// token is a 401.
func TestServing(t *testing.T) {
	e := newEnv(t)
	tok := e.tokenFor(e.w.readers()[0])
	for _, m := range []struct{ method, path, body string }{
		{http.MethodPost, "/fhir/Patient", `{"resourceType":"Patient"}`},
		{http.MethodPut, "/fhir/Patient/" + e.w.patients[0], `{"resourceType":"Patient","id":"` + e.w.patients[0] + `"}`},
		{http.MethodDelete, "/fhir/Patient/" + e.w.patients[0], ""},
		{http.MethodPatch, "/fhir/Patient/" + e.w.patients[0], `[]`},
		{http.MethodPost, "/fhir", `{"resourceType":"Bundle","type":"transaction"}`},
	} {
		r := e.do(m.method, tok, m.path, m.body)
		if r.status != http.StatusMethodNotAllowed || !strings.Contains(string(r.body), "OperationOutcome") || !strings.Contains(string(r.body), "read-only") {
			t.Errorf("%s %s: %d %s", m.method, m.path, r.status, r.body)
		}
	}
	if r := e.get(tok, "/fhir/Patient/"+e.w.patients[0]); r.status != http.StatusOK {
		t.Fatalf("the patient is gone after the refused writes: %d", r.status)
	}
	meta := e.get("", "/fhir/metadata")
	if meta.status != http.StatusOK || !strings.Contains(string(meta.body), "read-only") {
		t.Errorf("metadata: %d %s", meta.status, meta.body)
	}
	// It says what it is and that patients get tokens here too, as
	// discovery does (it said "customer endpoint" and "system-level scopes
	// only").
	cs := meta.json(t)
	if d := cs.Get("implementation").Str("description"); !strings.Contains(d, "aggregated endpoint") {
		t.Errorf("implementation.description %q", d)
	}
	if d := cs.Get("rest").Items[0].Get("security").Str("description"); !strings.Contains(d, "token exchange") || strings.Contains(d, "scopes only") {
		t.Errorf("rest.security.description %q", d)
	}
	for _, p := range []string{"/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"} {
		r := e.get("", p)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), "token-exchange") || !strings.Contains(string(r.body), e.srv.URL+"/oauth2/token") {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	empty := e.get(tok, "/fhir/Observation?_total=accurate").json(t)
	if empty.Str("type") != "searchset" || total(empty) != "0" || empty.Get("entry") != nil {
		t.Errorf("empty type: %s", e.get(tok, "/fhir/Observation?_total=accurate").body)
	}
	for _, p := range []string{"/fhir/$changes", "/fhir/$aggregation-outcome", "/fhir/Patient/" + e.w.patients[0] + "/$aggregation-outcome"} {
		if r := e.get(tok, p); r.status != http.StatusNotFound {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	if r := e.get("", "/fhir/Patient"); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.status)
	}
}

// TestNewRefusesBadConfig: configuration mistakes are errors at start.
func TestNewRefusesBadConfig(t *testing.T) {
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	idp := newOIDC(t)
	ok := Config{Store: st, BaseURL: "http://127.0.0.1:1", DataDir: t.TempDir(),
		PatientIssuer: testIssuer, PatientJWKS: idp.jwksPath, PatientAudience: testAudience}
	for name, mod := range map[string]func(*Config){
		"no store":            func(c *Config) { c.Store = nil },
		"no data dir":         func(c *Config) { c.DataDir = "" },
		"bad base URL":        func(c *Config) { c.BaseURL = "localhost" },
		"issuer without aud":  func(c *Config) { c.PatientAudience = "" },
		"issuer without jwks": func(c *Config) { c.PatientJWKS = "" },
		"bad proofing level":  func(c *Config) { c.PatientMinProofing = "P10" },
		"missing clients dir": func(c *Config) { c.ClientsDir = t.TempDir() + "/none" },
		"credentials dir without token_signing_key": func(c *Config) { c.CredentialsDir = t.TempDir() },
	} {
		c := ok
		mod(&c)
		if ep, err := New(context.Background(), c); err == nil {
			ep.Close()
			t.Errorf("%s: accepted", name)
		}
	}
	ep, err := New(context.Background(), ok)
	if err != nil {
		t.Fatalf("good config: %v", err)
	}
	ep.Close()
}
