package endpoint

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/go-logr/logr/testr"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Names of the test's patient OpenID provider.
const (
	testIssuer   = "https://login.example.nhs.uk"
	testAudience = "aggregated-app"
)

// oidc is an OpenID provider the test builds: a signing key whose public
// half is in a JWKS file.
type oidc struct {
	key      *ecdsa.PrivateKey
	kid      string
	jwksPath string
}

func newOIDC(t testing.TB) *oidc {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	o := &oidc{key: k, kid: "idp-1", jwksPath: filepath.Join(t.TempDir(), "jwks.json")}
	if err := writeJSONFile(o.jwksPath, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: o.kid, Algorithm: string(jose.ES256), Use: "sig"}}}); err != nil {
		t.Fatal(err)
	}
	return o
}

func writeJSONFile(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// idToken signs an ID token; claims override the defaults (a nil value
// removes a claim).
func (o *oidc) idToken(t testing.TB, nhs string, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	c := map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": "nhs-login-" + nhs,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"identity_proofing_level": "P9", "nhs_number": nhs,
	}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: o.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", o.kid))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// env is the endpoint over a world, served on loopback.
type env struct {
	t      testing.TB
	w      *world
	ep     *Endpoint
	srv    *httptest.Server
	idp    *oidc
	client *http.Client
}

// clientSecret is the secret of customer c in the test's clients dir.
func clientSecret(c string) string { return c + "-secret-0123456789abcdef" }

// writeClients writes one folder per customer, with its grants.
func writeClients(t testing.TB, dir string) {
	t.Helper()
	for _, c := range customers {
		d := filepath.Join(dir, c.name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{
			fileClientID: c.name + "-client", fileClientSecret: clientSecret(c.name), filePrivacyLabels: strings.Join(c.grants, ","),
		} {
			if err := os.WriteFile(filepath.Join(d, name), []byte(v+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func newEnv(t testing.TB, mods ...func(*Config)) *env {
	t.Helper()
	e := &env{t: t, idp: newOIDC(t)}
	var h http.Handler
	e.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	base := "http://" + e.srv.Listener.Addr().String()
	e.w = buildWorld(t, base)
	clients := t.TempDir()
	writeClients(t, clients)
	cfg := Config{
		Store: e.w.store, BaseURL: base, DataDir: t.TempDir(), ClientsDir: clients,
		PatientIssuer: testIssuer, PatientJWKS: e.idp.jwksPath, PatientAudience: testAudience,
	}
	if tt, ok := t.(*testing.T); ok {
		cfg.Logger = testr.NewWithOptions(tt, testr.Options{Verbosity: 0})
	}
	for _, m := range mods {
		m(&cfg)
	}
	ep, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.ep, h = ep, ep.Handler()
	e.srv.Start()
	e.client = e.srv.Client()
	t.Cleanup(func() { e.srv.Close(); ep.Close() })
	return e
}

// tokenReply is a token endpoint answer.
type tokenReply struct {
	status int
	body   map[string]any
}

func (r tokenReply) str(k string) string { s, _ := r.body[k].(string); return s }

func (e *env) postToken(form url.Values, basicID, basicSecret string) tokenReply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := tokenReply{status: res.StatusCode}
	if err := json.Unmarshal(b, &out.body); err != nil {
		e.t.Fatalf("token answer is not JSON (%d): %s", res.StatusCode, b)
	}
	return out
}

func exchangeForm(idToken string) url.Values {
	return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}, "subject_token": {idToken}}
}

// tokenFor gets an access token for a reader of the matrix.
func (e *env) tokenFor(r who) string {
	e.t.Helper()
	var rep tokenReply
	if r.patient >= 0 {
		rep = e.postToken(exchangeForm(e.idp.idToken(e.t, e.w.nhs[r.patient], nil)), "", "")
	} else {
		rep = e.postToken(url.Values{"grant_type": {"client_credentials"}}, r.subject.Customer+"-client", clientSecret(r.subject.Customer))
	}
	if rep.status != http.StatusOK {
		e.t.Fatalf("token for %s: %d %v", r.name, rep.status, rep.body)
	}
	return rep.str("access_token")
}

// resp is one answered FHIR request.
type resp struct {
	status int
	body   []byte
}

func (r resp) json(t testing.TB) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse(r.body)
	if err != nil {
		t.Fatalf("not JSON (%d): %s", r.status, r.body)
	}
	return v
}

func (e *env) get(token, path string) resp {
	e.t.Helper()
	return e.do(http.MethodGet, token, path, "")
}

func (e *env) do(method, token, path, body string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, body: b}
}

// entryKeys are the Type/id of a Bundle's entries by search mode ("match",
// "include"; history entries count as "match").
func entryKeys(t testing.TB, b *fhirjson.Value) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if en := b.Get("entry"); en != nil {
		for _, x := range en.Items {
			res := x.Get("resource")
			if res == nil || res.Str("resourceType") == "OperationOutcome" {
				continue
			}
			mode := "match"
			if s := x.Get("search"); s != nil && s.Str("mode") != "" {
				mode = s.Str("mode")
			}
			out[mode] = append(out[mode], res.Str("resourceType")+"/"+res.Str("id"))
		}
	}
	return out
}

// nextLink is the path of a Bundle's next link ("" when none).
func (e *env) nextLink(b *fhirjson.Value) string {
	if ls := b.Get("link"); ls != nil {
		for _, l := range ls.Items {
			if l.Str("relation") == "next" {
				return strings.TrimPrefix(l.Str("url"), e.srv.URL)
			}
		}
	}
	return ""
}
