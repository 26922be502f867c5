package e2e

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issue 5: the token endpoint, the access tokens, SMART discovery, scopes and
// the credentials folder, each as the issue names them.

type tokenAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

// postToken POSTs a form to /oauth2/token, with HTTP Basic when id is set.
func postToken(t *testing.T, base string, form url.Values, id, secret string) tokenAnswer {
	t.Helper()
	return sendToken(t, tokenRequest(base, form, id, secret))
}

// tokenRequest builds the request postToken sends, for callers that add headers.
func tokenRequest(base string, form url.Values, id, secret string) *http.Request {
	req, _ := http.NewRequest("POST", base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(strings.TrimSpace(id), strings.TrimSpace(secret))
	}
	return req
}

// sendToken sends a token request and reads the JSON answer.
func sendToken(t *testing.T, req *http.Request) tokenAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("token answer (status %d) is not JSON: %v", resp.StatusCode, err)
	}
	return tokenAnswer{status: resp.StatusCode, header: resp.Header, body: m}
}

func readCred(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// jwtParts decodes the header and claims of a compact JWS without checking it.
func jwtParts(t *testing.T, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a compact JWS: %q", tok)
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("JWS part: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("JWS part: %v", err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

func TestContractTokenEndpoint(t *testing.T) {
	srv := startServer(t, "R4", t.TempDir())
	dir := filepath.Join(srv.DataDir, "credentials")
	id, secret := readCred(t, dir, "client_id"), readCred(t, dir, "client_secret")
	cc := url.Values{"grant_type": {"client_credentials"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name       string
		form       url.Values
		id, secret string
		status     int
		errCode    string
		scope      string
	}{
		{"client_secret_basic", cc, id, secret, 200, "", "system/*.cruds"},
		{"client_secret_post", with("grant_type", "client_credentials", "client_id", id, "client_secret", secret), "", "", 200, "", "system/*.cruds"},
		{"scope narrows v2", with("grant_type", "client_credentials", "scope", "system/Patient.rs"), id, secret, 200, "", "system/Patient.rs"},
		{"scope narrows v1", with("grant_type", "client_credentials", "scope", "system/Observation.read"), id, secret, 200, "", "system/Observation.read"},
		{"unsupported grant", with("grant_type", "password"), id, secret, 400, "unsupported_grant_type", ""},
		{"missing grant", with("scope", "system/*.rs"), id, secret, 400, "invalid_request", ""},
		{"patient scope", with("grant_type", "client_credentials", "scope", "patient/*.read"), id, secret, 400, "invalid_scope", ""},
		{"user scope", with("grant_type", "client_credentials", "scope", "user/Patient.cruds"), id, secret, 400, "invalid_scope", ""},
		{"malformed scope", with("grant_type", "client_credentials", "scope", "everything"), id, secret, 400, "invalid_scope", ""},
		{"no client authentication", cc, "", "", 401, "invalid_client", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := postToken(t, srv.Base, tc.form, tc.id, tc.secret)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %v", a.status, tc.status, a.body)
			}
			if cc := a.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store (RFC 6749 §5.1)", cc)
			}
			if tc.errCode != "" {
				if a.body["error"] != tc.errCode {
					t.Fatalf("error %v, want %s", a.body["error"], tc.errCode)
				}
				if tc.status == 401 && a.header.Get("WWW-Authenticate") == "" {
					t.Errorf("invalid_client 401 without WWW-Authenticate")
				}
				return
			}
			if a.body["token_type"] != "bearer" || a.body["expires_in"] != float64(600) || a.body["scope"] != tc.scope {
				t.Fatalf("token_type %v expires_in %v scope %v, want bearer 600 %s", a.body["token_type"], a.body["expires_in"], a.body["scope"], tc.scope)
			}
			hdr, claims := jwtParts(t, a.body["access_token"].(string))
			if hdr["typ"] != "at+jwt" {
				t.Errorf("typ %v, want at+jwt", hdr["typ"])
			}
			if claims["iss"] != srv.Base || claims["aud"] != srv.Base+"/fhir" || claims["sub"] != id || claims["client_id"] != id || claims["scope"] != tc.scope {
				t.Errorf("claims %v", claims)
			}
			iat, _ := claims["iat"].(float64)
			exp, _ := claims["exp"].(float64)
			if exp-iat != 600 || claims["jti"] == nil || claims["jti"] == "" {
				t.Errorf("iat %v exp %v jti %v", iat, exp, claims["jti"])
			}
		})
	}
	// Wrong secrets and unknown clients, last: they feed the throttle.
	for _, tc := range []struct{ name, id, secret string }{{"wrong secret", id, "not-the-secret"}, {"unknown client", "nobody", secret}} {
		t.Run(tc.name, func(t *testing.T) {
			a := postToken(t, srv.Base, cc, tc.id, tc.secret)
			if a.status != 401 || a.body["error"] != "invalid_client" || a.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("status %d error %v WWW-Authenticate %q, want 401 invalid_client with the header", a.status, a.body["error"], a.header.Get("WWW-Authenticate"))
			}
		})
	}
	t.Run("repeated failures throttled", func(t *testing.T) {
		// Failures count per source address (here loopback, the only one):
		// once it is blocked, its requests are not checked at all, so even
		// the correct secret gets 429 and a guesser learns nothing.
		var a tokenAnswer
		for range 30 {
			if a = postToken(t, srv.Base, cc, id, "wrong"); a.status == 429 {
				break
			}
		}
		if a.status != 429 {
			t.Fatalf("30 failed authentications in a row, never a 429")
		}
		if secs, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After %q, want 1..60 seconds", a.header.Get("Retry-After"))
		}
		if a := postToken(t, srv.Base, cc, id, secret); a.status != 429 {
			t.Errorf("the correct secret from the blocked address: %d, want 429", a.status)
		}
	})
}

func TestContractSmartDiscoveryAndSecurity(t *testing.T) {
	for _, version := range []string{"R4", "STU3"} {
		t.Run(version, func(t *testing.T) {
			srv := startServer(t, version, t.TempDir())
			// Both discovery documents answer without a token.
			smart := getJSON(t, srv.Base+"/fhir/.well-known/smart-configuration")
			want := map[string]any{
				"issuer":                                srv.Base,
				"token_endpoint":                        srv.Base + "/oauth2/token",
				"grant_types_supported":                 []any{"client_credentials"},
				"token_endpoint_auth_methods_supported": []any{"client_secret_basic", "client_secret_post", "private_key_jwt"},
				"token_endpoint_auth_signing_alg_values_supported": []any{"RS384", "ES384"},
				"capabilities": []any{"client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1", "permission-v2"},
			}
			for k, v := range want {
				got, _ := json.Marshal(smart[k])
				exp, _ := json.Marshal(v)
				if k == "capabilities" || k == "token_endpoint_auth_methods_supported" {
					if !sameSet(toStrings(smart[k]), toStrings(v)) {
						t.Errorf("%s = %s, want %s", k, got, exp)
					}
					continue
				}
				if string(got) != string(exp) {
					t.Errorf("%s = %s, want %s", k, got, exp)
				}
			}
			if len(toStrings(smart["scopes_supported"])) == 0 {
				t.Errorf("scopes_supported is empty")
			}
			cap := getJSON(t, srv.Base+"/fhir/metadata")
			sec, _ := cap["rest"].([]any)[0].(map[string]any)["security"].(map[string]any)
			raw, _ := json.Marshal(sec)
			if !strings.Contains(string(raw), `"code":"SMART-on-FHIR"`) {
				t.Errorf("rest.security does not name SMART-on-FHIR: %s", raw)
			}
			if !strings.Contains(string(raw), `"url":"http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"`) ||
				!strings.Contains(string(raw), `"valueUri":"`+srv.Base+`/oauth2/token"`) {
				t.Errorf("rest.security lacks the oauth-uris extension with the token URL: %s", raw)
			}
		})
	}
}

func toStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, a := range arr {
		s, _ := a.(string)
		out = append(out, s)
	}
	return out
}

func TestContractBearerRequired(t *testing.T) {
	a := startContract(t, "R4")
	b := startContract(t, "R4")
	id := a.create(t, "Patient", `{"resourceType":"Patient"}`)
	hdr, _ := jwtParts(t, a.c.token)
	parts := strings.Split(a.c.token, ".")
	noneTok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + parts[1] + "."
	sig := []byte(parts[2])
	sig[5] ^= 0x01
	flipped := parts[0] + "." + parts[1] + "." + string(sig)
	cases := []struct{ name, auth string }{
		{"no token", ""},
		{"malformed", "Bearer not.a.jwt"},
		{"basic scheme", "Basic Zm9vOmJhcg=="},
		{"alg none", "Bearer " + noneTok},
		{"signature flipped", "Bearer " + flipped},
		{"other endpoint's token", "Bearer " + b.c.token},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", a.srv.Base+"/fhir/Patient/"+id, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r := readResponse(t, resp)
			wantOutcome(t, r, 401, "")
			if wa := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(wa, "Bearer") || !strings.Contains(wa, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q, want Bearer error=\"invalid_token\"", wa)
			}
		})
	}
	if hdr["alg"] == "none" || hdr["alg"] == "HS256" {
		t.Errorf("issued tokens use alg %v", hdr["alg"])
	}
	for _, path := range []string{"/fhir/metadata", "/fhir/.well-known/smart-configuration"} {
		resp, err := http.Get(a.srv.Base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s without a token: %d, want 200", path, resp.StatusCode)
		}
	}
}

func readResponse(t *testing.T, resp *http.Response) response {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// TestContractForgedTokens signs access tokens with the endpoint's own key
// (known here because the test wrote the credentials folder) and breaks one
// claim at a time: each must be refused with 401 invalid_token.
func TestContractForgedTokens(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dir := credentialsDir(t, ecKey, nil)
	srv := startServer(t, "R4", t.TempDir(), "--credentials-dir", dir)
	jwk := jose.JSONWebKey{Key: &ecKey.PublicKey}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	kid := base64.RawURLEncoding.EncodeToString(tp)
	sign := func(alg jose.SignatureAlgorithm, key any, typ string, claims map[string]any) string {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
			(&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("kid", kid))
		if err != nil {
			t.Fatal(err)
		}
		s, err := jwt.Signed(signer).Claims(claims).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now().Unix()
	good := func() map[string]any {
		return map[string]any{"iss": srv.Base, "aud": srv.Base + "/fhir", "sub": "acme-client", "client_id": "acme-client",
			"scope": "system/*.cruds", "iat": now, "exp": now + 300, "jti": "forged-1"}
	}
	with := func(k string, v any) map[string]any {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	cases := []struct {
		name   string
		token  string
		status int
	}{
		{"control: well-formed", sign(jose.ES256, ecKey, "at+jwt", good()), 200},
		{"wrong aud", sign(jose.ES256, ecKey, "at+jwt", with("aud", srv.Base)), 401},
		{"wrong iss", sign(jose.ES256, ecKey, "at+jwt", with("iss", "https://elsewhere.example")), 401},
		{"expired", sign(jose.ES256, ecKey, "at+jwt", with("exp", now-600)), 401},
		{"not yet valid", sign(jose.ES256, ecKey, "at+jwt", with("nbf", now+600)), 401},
		{"no exp", sign(jose.ES256, ecKey, "at+jwt", with("exp", nil)), 401},
		{"HMAC with the public key", sign(jose.HS256, pubPEM, "at+jwt", good()), 401},
		{"patient scope", sign(jose.ES256, ecKey, "at+jwt", with("scope", "patient/*.read")), 401},
		{"user scope", sign(jose.ES256, ecKey, "at+jwt", with("scope", "user/*.cruds")), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(srv.Base, tc.token)
			r, err := c.do(t.Context(), "GET", "/Patient", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.status == 200 {
				if r.Status != 200 {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				return
			}
			if r.Status != 401 && r.Status != 403 {
				t.Fatalf("status %d, want 401: %s", r.Status, r.Body)
			}
			wantOutcome(t, r, r.Status, "")
		})
	}
}
