package auth

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpointIssuesTokens(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	c := e.creds
	cases := []struct {
		name        string
		form        url.Values
		basicID     string
		basicSecret string
		wantSub     string
		wantScope   string
	}{
		{"customer basic, default scope", url.Values{"grant_type": {"client_credentials"}}, c.clientID, c.clientSecret, c.clientID, "system/*.cruds"},
		{"customer post", url.Values{"grant_type": {"client_credentials"}, "client_id": {c.clientID}, "client_secret": {c.clientSecret}}, "", "", c.clientID, "system/*.cruds"},
		{"customer narrows to v1", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read system/Observation.write"}}, c.clientID, c.clientSecret, c.clientID, "system/Patient.read system/Observation.write"},
		{"customer asks v1 everything", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/*.*"}}, c.clientID, c.clientSecret, c.clientID, "system/*.*"},
		{"aggregator default", url.Values{"grant_type": {"client_credentials"}}, c.aggID, c.aggSecret, c.aggID, "system/*.rs"},
		{"aggregator v1 read", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/*.read"}}, c.aggID, c.aggSecret, c.aggID, "system/*.read"},
		{"basic with matching client_id in body", url.Values{"grant_type": {"client_credentials"}, "client_id": {c.clientID}}, c.clientID, c.clientSecret, c.clientID, "system/*.cruds"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := postToken(t, e, tc.form, tc.basicID, tc.basicSecret)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %v", r.status, r.body)
			}
			if r.header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Fatalf("headers %v", r.header)
			}
			if r.str("token_type") != "bearer" || r.body["expires_in"] != float64(600) || r.str("scope") != tc.wantScope {
				t.Fatalf("body %v", r.body)
			}
			p, err := e.srv.VerifyToken(r.str("access_token"))
			if err != nil {
				t.Fatal(err)
			}
			if p.ClientID != tc.wantSub || strings.Join(p.Scopes, " ") != tc.wantScope {
				t.Fatalf("principal %+v", p)
			}
		})
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	c := e.creds
	cc := func(extra ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	cases := []struct {
		name        string
		form        url.Values
		basicID     string
		basicSecret string
		wantStatus  int
		wantError   string
	}{
		{"wrong client secret (basic)", cc(), c.clientID, "wrong-secret-0123456789", 401, "invalid_client"},
		{"wrong client secret (post)", cc("client_id", c.clientID, "client_secret", "nope"), "", "", 401, "invalid_client"},
		{"unknown client", cc(), "somebody-else", c.clientSecret, 401, "invalid_client"},
		{"aggregator id with customer secret", cc(), c.aggID, c.clientSecret, 401, "invalid_client"},
		{"no client authentication", cc(), "", "", 401, "invalid_client"},
		{"two methods", cc("client_id", c.clientID, "client_secret", c.clientSecret), c.clientID, c.clientSecret, 400, "invalid_request"},
		{"basic id differs from body client_id", cc("client_id", c.aggID), c.clientID, c.clientSecret, 400, "invalid_request"},
		{"post without client_id", cc("client_secret", c.clientSecret), "", "", 400, "invalid_request"},
		{"missing grant_type", url.Values{}, c.clientID, c.clientSecret, 400, "invalid_request"},
		{"password grant", url.Values{"grant_type": {"password"}}, c.clientID, c.clientSecret, 400, "unsupported_grant_type"},
		{"authorization_code grant", url.Values{"grant_type": {"authorization_code"}}, c.clientID, c.clientSecret, 400, "unsupported_grant_type"},
		{"patient scope", cc("scope", "patient/*.read"), c.clientID, c.clientSecret, 400, "invalid_scope"},
		{"user scope", cc("scope", "user/Patient.rs"), c.clientID, c.clientSecret, 400, "invalid_scope"},
		{"openid scope", cc("scope", "openid system/*.rs"), c.clientID, c.clientSecret, 400, "invalid_scope"},
		{"bad v2 letter order", cc("scope", "system/*.rc"), c.clientID, c.clientSecret, 400, "invalid_scope"},
		{"aggregator asks write", cc("scope", "system/*.write"), c.aggID, c.aggSecret, 400, "invalid_scope"},
		{"aggregator asks everything", cc("scope", "system/*.*"), c.aggID, c.aggSecret, 400, "invalid_scope"},
		{"aggregator asks create", cc("scope", "system/Patient.c"), c.aggID, c.aggSecret, 400, "invalid_scope"},
		{"aggregator asks cruds", cc("scope", "system/*.cruds"), c.aggID, c.aggSecret, 400, "invalid_scope"},
		{"assertion type without assertion", cc("client_assertion_type", ClientAssertionType), "", "", 400, "invalid_request"},
		{"wrong assertion type", cc("client_assertion_type", "urn:x", "client_assertion", "a.b.c"), "", "", 400, "invalid_request"},
		{"garbage assertion", cc("client_assertion_type", ClientAssertionType, "client_assertion", "a.b.c"), "", "", 401, "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.srv.throttle = newThrottle(defaultThrottlePolicy()) // each case on its own, not a guessing spree
			r := postToken(t, e, tc.form, tc.basicID, tc.basicSecret)
			if r.status != tc.wantStatus || r.str("error") != tc.wantError {
				t.Fatalf("got %d %v, want %d %s", r.status, r.body, tc.wantStatus, tc.wantError)
			}
			if r.str("access_token") != "" {
				t.Fatal("error response carries a token")
			}
			if tc.wantStatus == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic realm=") {
				t.Fatalf("401 without a Basic challenge: %v", r.header)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Fatal("error response is cacheable")
			}
		})
	}
}

func TestTokenEndpointRequestShape(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	c := e.creds
	cases := []struct {
		name        string
		method      string
		contentType string
		body        string
		wantStatus  int
	}{
		{"GET", http.MethodGet, "", "", 405},
		{"JSON body", http.MethodPost, "application/json", `{"grant_type":"client_credentials"}`, 400},
		{"repeated parameter", http.MethodPost, "application/x-www-form-urlencoded", "grant_type=client_credentials&grant_type=client_credentials", 400},
		{"malformed form", http.MethodPost, "application/x-www-form-urlencoded", "grant_type=%zz", 400},
		{"oversized body", http.MethodPost, "application/x-www-form-urlencoded", "grant_type=client_credentials&scope=" + strings.Repeat("a", 70<<10), 400},
		{"form with charset", http.MethodPost, "application/x-www-form-urlencoded; charset=UTF-8", "grant_type=client_credentials", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, e.ts.URL+"/oauth2/token", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			req.SetBasicAuth(c.clientID, c.clientSecret)
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
		})
	}
}

func TestBasicCredentialsAreFormDecoded(t *testing.T) {
	c := newCredSet(t, "acme")
	c.clientSecret = "secret with+plus/and:colon%"
	e := newTestEndpoint(t, c, newFakeClock())
	// RFC 6749 §2.3.1: form-encode, then base64.
	e.token(t, url.QueryEscape(c.clientID), url.QueryEscape(c.clientSecret), "")
	// Clients that skip the form-encoding still get in.
	e.token(t, c.clientID, c.clientSecret, "")
}

func TestTokenTTLFlag(t *testing.T) {
	dir := t.TempDir()
	c := newCredSet(t, "acme")
	c.writeFiles(t, dir)
	clock := newFakeClock()
	e := startEndpoint(t, c, dir, clock)
	e.srv.cfg.TokenTTL = 90 * time.Second
	r := postToken(t, e, url.Values{"grant_type": {"client_credentials"}}, c.clientID, c.clientSecret)
	if r.body["expires_in"] != float64(90) {
		t.Fatalf("expires_in %v", r.body["expires_in"])
	}
	p, err := e.srv.VerifyToken(r.str("access_token"))
	if err != nil || !p.Expires.Equal(clock.Now().Add(90*time.Second)) {
		t.Fatalf("principal %+v err %v", p, err)
	}
}
