package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
)

// fakeClock is an injectable clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// credSet is one credentials directory's contents.
type credSet struct {
	clientID, clientSecret string
	aggID, aggSecret       string
	keyPEM                 []byte
	jwks                   []byte
}

func pemOf(t testing.TB, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func p256PEM(t testing.TB) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, k)
}

func ed25519PEM(t testing.TB) []byte {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, k)
}

func rsaPEM(t testing.TB) []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, k)
}

func newCredSet(t testing.TB, name string) credSet {
	return credSet{
		clientID: name + "-client", clientSecret: name + "-secret-0123456789abcdef",
		aggID: name + "-aggregator", aggSecret: name + "-aggsecret-0123456789abcdef",
		keyPEM: p256PEM(t),
	}
}

// writeFiles writes c as plain files into dir.
func (c credSet) writeFiles(t testing.TB, dir string) {
	t.Helper()
	files := map[string][]byte{
		FileClientID: []byte(c.clientID), FileClientSecret: []byte(c.clientSecret),
		FileAggregatorClientID: []byte(c.aggID), FileAggregatorClientSecret: []byte(c.aggSecret),
		FileTokenSigningKey: c.keyPEM,
	}
	if c.jwks != nil {
		files[FileClientJWKS] = c.jwks
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// testEndpoint is one auth.Server behind an httptest server with the routes
// the REST layer will give it.
type testEndpoint struct {
	srv   *Server
	ts    *httptest.Server
	clock *fakeClock
	creds credSet
	dir   string
}

func newTestEndpoint(t testing.TB, c credSet, clock *fakeClock) *testEndpoint {
	t.Helper()
	dir := t.TempDir()
	c.writeFiles(t, dir)
	return startEndpoint(t, c, dir, clock)
}

func startEndpoint(t testing.TB, c credSet, dir string, clock *fakeClock, opts ...func(*Config)) *testEndpoint {
	t.Helper()
	e := &testEndpoint{clock: clock, creds: c, dir: dir}
	mux := http.NewServeMux()
	e.ts = httptest.NewUnstartedServer(mux)
	base := "http://" + e.ts.Listener.Addr().String()
	log := logr.Discard()
	if tt, ok := t.(*testing.T); ok {
		log = testr.New(tt)
	}
	cfg := Config{
		CredentialsDir: dir, BaseURL: base, Clock: clock.Now, Logger: log,
		ReloadInterval: 50 * time.Millisecond,
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux.Handle("POST /oauth2/token", srv.TokenHandler())
	mux.Handle("/oauth2/token", srv.TokenHandler())
	mux.Handle("GET /fhir/.well-known/smart-configuration", srv.SMARTConfigHandler())
	mux.Handle("/fhir/", srv.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PrincipalFrom(r.Context())
		if !ok {
			w.WriteHeader(http.StatusOK) // public path
			_, _ = io.WriteString(w, "public")
			return
		}
		_, _ = io.WriteString(w, p.ClientID+" "+strings.Join(p.Scopes, " "))
	})))
	e.ts.Start()
	t.Cleanup(func() { e.ts.Close(); srv.Close() })
	return e
}

// tokenReply is a parsed token endpoint response.
type tokenReply struct {
	status int
	header http.Header
	body   map[string]any
}

func (r tokenReply) str(k string) string { s, _ := r.body[k].(string); return s }

func postToken(t testing.TB, e *testEndpoint, form url.Values, basicID, basicSecret string) tokenReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := tokenReply{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(b, &out.body); err != nil {
		t.Fatalf("token response is not JSON (%d): %s", resp.StatusCode, b)
	}
	return out
}

// token gets a token with client_secret_basic or fails the test.
func (e *testEndpoint) token(t testing.TB, id, secret, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	r := postToken(t, e, form, id, secret)
	if r.status != http.StatusOK {
		t.Fatalf("token request for %s: %d %v", id, r.status, r.body)
	}
	return r.str("access_token")
}

// get calls a FHIR path with a bearer token (none when token is "").
func (e *testEndpoint) get(t testing.TB, path, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestNewRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	newCredSet(t, "a").writeFiles(t, dir)
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no base URL", Config{CredentialsDir: dir}, "BaseURL"},
		{"relative base URL", Config{CredentialsDir: dir, BaseURL: "/fhir"}, "absolute"},
		{"query in base URL", Config{CredentialsDir: dir, BaseURL: "https://x.example/?a=b"}, "query"},
		{"no dirs", Config{BaseURL: "https://x.example"}, "CredentialsDir or DataDir"},
		{"missing files", Config{CredentialsDir: t.TempDir(), BaseURL: "https://x.example"}, "client_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(context.Background(), tc.cfg)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestURLsFollowBaseURL(t *testing.T) {
	dir := t.TempDir()
	newCredSet(t, "a").writeFiles(t, dir)
	s, err := New(context.Background(), Config{CredentialsDir: dir, BaseURL: "https://acme.example.org/"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Issuer() != "https://acme.example.org" || s.TokenURL() != "https://acme.example.org/oauth2/token" ||
		s.Audience() != "https://acme.example.org/fhir" {
		t.Fatalf("issuer %q token URL %q audience %q", s.Issuer(), s.TokenURL(), s.Audience())
	}
	if s.cfg.TokenTTL != DefaultTokenTTL || s.cfg.SecretGracePeriod != DefaultSecretGracePeriod {
		t.Fatalf("defaults not applied: %+v", s.cfg)
	}
}
