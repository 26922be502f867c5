package auth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMiddlewareRefusesWithOutcome(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	good := e.token(t, e.creds.clientID, e.creds.clientSecret, "")
	cases := []struct {
		name   string
		header string
	}{
		{"no token", ""},
		{"empty bearer", "Bearer "},
		{"basic scheme", "Basic YTpi"},
		{"malformed", "Bearer not.a.token"},
		{"tampered", "Bearer " + good[:len(good)-2] + "AA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/fhir/Patient", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer error="invalid_token"`) {
				t.Fatalf("WWW-Authenticate %q", h)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
				t.Fatalf("Content-Type %q", ct)
			}
			var oo struct {
				ResourceType string `json:"resourceType"`
				Issue        []struct {
					Severity, Code, Diagnostics string
				} `json:"issue"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&oo); err != nil {
				t.Fatal(err)
			}
			if oo.ResourceType != "OperationOutcome" || len(oo.Issue) != 1 || oo.Issue[0].Code != "login" || oo.Issue[0].Diagnostics == "" {
				t.Fatalf("body %+v", oo)
			}
		})
	}
}

func TestMiddlewarePublicPaths(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	for _, tc := range []struct {
		method, path string
		public       bool
	}{
		{"GET", "/fhir/metadata", true},
		{"GET", "/fhir/metadata?mode=full", true},
		{"HEAD", "/fhir/metadata", true},
		{"GET", "/fhir/.well-known/smart-configuration", true},
		{"POST", "/fhir/metadata", false},
		{"GET", "/fhir/Patient/metadata", false},
		{"GET", "/fhir/Patient", false},
		{"GET", "/fhir/", false},
		{"DELETE", "/fhir/Patient/1", false},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if Public(req) != tc.public {
				t.Fatalf("Public = %v", !tc.public)
			}
			if tc.path == "/fhir/.well-known/smart-configuration" {
				return // served by its own handler in the test mux
			}
			req2, _ := http.NewRequest(tc.method, e.ts.URL+tc.path, nil)
			resp, err := e.ts.Client().Do(req2)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.StatusCode != http.StatusUnauthorized; got != tc.public {
				t.Fatalf("status %d", resp.StatusCode)
			}
		})
	}
}

func TestMiddlewarePutsPrincipalInContext(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	tok := e.token(t, e.creds.aggID, e.creds.aggSecret, "system/Patient.rs")
	resp, body := e.get(t, "/fhir/Patient", tok)
	if resp.StatusCode != 200 || body != e.creds.aggID+" system/Patient.rs" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

// TestCrossTenantMatrix: several endpoints, each with its own credentials;
// every token works at its own endpoint and nowhere else, through the token
// endpoint, the middleware and the client credentials alike.
func TestCrossTenantMatrix(t *testing.T) {
	clock := newFakeClock()
	var eps []*testEndpoint
	for i := 0; i < 4; i++ {
		c := newCredSet(t, fmt.Sprintf("tenant%d", i))
		if i == 3 {
			// Same client ids and secrets as tenant 0, different key and URL:
			// only the endpoint's own key and issuer may count.
			c.clientID, c.clientSecret, c.aggID, c.aggSecret = eps[0].creds.clientID, eps[0].creds.clientSecret, eps[0].creds.aggID, eps[0].creds.aggSecret
		}
		eps = append(eps, newTestEndpoint(t, c, clock))
	}
	for i, issuer := range eps {
		for _, client := range []struct{ id, secret string }{
			{issuer.creds.clientID, issuer.creds.clientSecret}, {issuer.creds.aggID, issuer.creds.aggSecret},
		} {
			tok := issuer.token(t, client.id, client.secret, "")
			for j, target := range eps {
				t.Run(fmt.Sprintf("%s token at tenant%d", client.id, j), func(t *testing.T) {
					resp, _ := target.get(t, "/fhir/Patient", tok)
					want := http.StatusUnauthorized
					if i == j {
						want = http.StatusOK
					}
					if resp.StatusCode != want {
						t.Fatalf("status %d, want %d", resp.StatusCode, want)
					}
				})
			}
		}
	}
	// Client credentials of one tenant do not get tokens at another.
	for i, owner := range eps[:3] {
		for j, target := range eps[:3] {
			if i == j {
				continue
			}
			r := postToken(t, target, map[string][]string{"grant_type": {"client_credentials"}}, owner.creds.clientID, owner.creds.clientSecret)
			if r.status != http.StatusUnauthorized {
				t.Errorf("tenant%d credentials at tenant%d: %d", i, j, r.status)
			}
		}
	}
}

// BenchmarkMiddleware is what every authenticated FHIR request pays for its
// token once it is cached: header parsing, cache lookup, context.
func BenchmarkMiddleware(b *testing.B) {
	e := newTestEndpoint(b, newCredSet(b, "bench"), newFakeClock())
	tok := e.token(b, e.creds.clientID, e.creds.clientSecret, "")
	h := e.srv.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		if err := p.Allow(InteractionRead, "Patient"); err != nil {
			b.Fatal(err)
		}
	}))
	req := httptest.NewRequest(http.MethodGet, "/fhir/Patient/1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(rec, req)
	}
}

// TestMiddlewareAnswersBeforeTheBody is issue 15's attack: a client sends
// the headers of a POST with a Content-Length and no token, then nothing.
// The 401 must come without waiting for the body, and the connection end.
func TestMiddlewareAnswersBeforeTheBody(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A bound for a broken server, not a speed assertion: without the fix
	// the answer never comes.
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "POST /fhir/Patient HTTP/1.1\r\nHost: x\r\n"+
		"Content-Type: application/fhir+json\r\nContent-Length: 100000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body is withheld: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Fatalf("status %d, Connection: close %v; want 401 closing the connection", resp.StatusCode, resp.Close)
	}
	// And the server does close it, rather than go on waiting for the body.
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("the server kept the connection after its 401: %v", err)
	}
}
