package e2e

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issue 5, "Credentials (contract)" and private_key_jwt: the --credentials-dir
// files exactly as named, Ed25519 and P-256 signing keys, SMART Backend
// Services client assertions with RS384/ES384, and files re-read on change.

// writePEM writes a PKCS#8 private key as PEM.
func writePEM(t *testing.T, path string, key any) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// credentialsDir writes a full credentials folder as the operator's Secret
// mount would hold it.
func credentialsDir(t *testing.T, signingKey any, jwks []jose.JSONWebKey) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"client_id":                "acme-client",
		"client_secret":            "acme-secret-number-1",
		"aggregator_client_id":     "acme-aggregator",
		"aggregator_client_secret": "acme-aggregator-secret-long",
	}
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writePEM(t, filepath.Join(dir, "token_signing_key"), signingKey)
	if jwks != nil {
		b, _ := json.Marshal(jose.JSONWebKeySet{Keys: jwks})
		if err := os.WriteFile(filepath.Join(dir, "client_jwks.json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assertion signs a SMART Backend Services client assertion.
func assertion(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims jwt.Claims) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContractCredentialsDirAndPrivateKeyJWT(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	dir := credentialsDir(t, edKey, []jose.JSONWebKey{
		{Key: &rsaKey.PublicKey, KeyID: "rsa-1", Algorithm: "RS384", Use: "sig"},
		{Key: &ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"},
	})
	srv := startServer(t, "R4", t.TempDir(), "--credentials-dir", dir, "--secret-grace-period", "2s")
	tokenURL := srv.Base + "/oauth2/token"
	if _, err := os.Stat(filepath.Join(srv.DataDir, "credentials")); err == nil {
		t.Errorf("with --credentials-dir the server still generated <data-dir>/credentials")
	}

	a := postToken(t, srv.Base, url.Values{"grant_type": {"client_credentials"}}, "acme-client", "acme-secret-number-1")
	if a.status != 200 {
		t.Fatalf("client_secret_basic with the folder's secret: %d %v", a.status, a.body)
	}
	hdr, _ := jwtParts(t, a.body["access_token"].(string))
	if hdr["alg"] != "EdDSA" {
		t.Errorf("Ed25519 token_signing_key: alg %v, want EdDSA", hdr["alg"])
	}
	c := newClient(srv.Base, a.body["access_token"].(string))
	if r, _ := c.do(t.Context(), "GET", "/Patient", nil, nil); r.Status != 200 {
		t.Errorf("search with the Ed25519-signed token: %d", r.Status)
	}
	ag := postToken(t, srv.Base, url.Values{"grant_type": {"client_credentials"}}, "acme-aggregator", "acme-aggregator-secret-long")
	if ag.status != 200 {
		t.Errorf("aggregator client from the folder: %d %v", ag.status, ag.body)
	}

	now := time.Now()
	claims := func(jti string, exp time.Duration, aud string) jwt.Claims {
		return jwt.Claims{Issuer: "acme-client", Subject: "acme-client", Audience: jwt.Audience{aud},
			ID: jti, Expiry: jwt.NewNumericDate(now.Add(exp)), IssuedAt: jwt.NewNumericDate(now)}
	}
	jwtForm := func(assertionJWT string) url.Values {
		return url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertionJWT}}
	}
	replayed := assertion(t, jose.ES384, ecKey, "ec-1", claims("jti-replay", 4*time.Minute, tokenURL))
	cases := []struct {
		name   string
		jwt    string
		status int
	}{
		{"RS384", assertion(t, jose.RS384, rsaKey, "rsa-1", claims("jti-1", 4*time.Minute, tokenURL)), 200},
		{"ES384", replayed, 200},
		{"jti replayed", replayed, 401},
		{"exp more than 5 minutes ahead", assertion(t, jose.ES384, ecKey, "ec-1", claims("jti-2", 30*time.Minute, tokenURL)), 401},
		{"expired", assertion(t, jose.ES384, ecKey, "ec-1", claims("jti-3", -time.Minute, tokenURL)), 401},
		{"wrong aud", assertion(t, jose.ES384, ecKey, "ec-1", claims("jti-4", 4*time.Minute, srv.Base+"/fhir")), 401},
		{"RS256 not allowed", assertion(t, jose.RS256, rsaKey, "rsa-1", claims("jti-5", 4*time.Minute, tokenURL)), 401},
	}
	for _, tc := range cases {
		t.Run("private_key_jwt "+tc.name, func(t *testing.T) {
			a := postToken(t, srv.Base, jwtForm(tc.jwt), "", "")
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %v", a.status, tc.status, a.body)
			}
			if tc.status == 401 && a.body["error"] != "invalid_client" {
				t.Fatalf("error %v, want invalid_client", a.body["error"])
			}
			if tc.status == 200 {
				_, cl := jwtParts(t, a.body["access_token"].(string))
				if cl["client_id"] != "acme-client" || cl["sub"] != "acme-client" {
					t.Fatalf("claims %v", cl)
				}
			}
		})
	}

	t.Run("secret rotation", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "client_secret"), []byte("acme-secret-number-2"), 0o600); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if a := postToken(t, srv.Base, url.Values{"grant_type": {"client_credentials"}}, "acme-client", "acme-secret-number-2"); a.status == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the new client_secret was not accepted within 10s of the file change")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if a := postToken(t, srv.Base, url.Values{"grant_type": {"client_credentials"}}, "acme-client", "acme-secret-number-1"); a.status != 200 {
			t.Errorf("the previous secret failed inside the grace period: %d %v", a.status, a.body)
		}
		// Tokens already issued stay valid.
		if r, _ := c.do(t.Context(), "GET", "/Patient", nil, nil); r.Status != 200 {
			t.Errorf("a token issued before the rotation: %d", r.Status)
		}
		time.Sleep(2500 * time.Millisecond)
		if a := postToken(t, srv.Base, url.Values{"grant_type": {"client_credentials"}}, "acme-client", "acme-secret-number-1"); a.status != 401 {
			t.Errorf("the previous secret after the 2s grace period: %d, want 401", a.status)
		}
	})
}

func TestContractECDSASigningKey(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dir := credentialsDir(t, ecKey, nil)
	srv := startServer(t, "STU3", t.TempDir(), "--credentials-dir", dir)
	a := postToken(t, srv.Base, url.Values{"grant_type": {"client_credentials"}, "client_id": {"acme-client"}, "client_secret": {"acme-secret-number-1"}}, "", "")
	if a.status != 200 {
		t.Fatalf("client_secret_post: %d %v", a.status, a.body)
	}
	hdr, _ := jwtParts(t, a.body["access_token"].(string))
	if hdr["alg"] != "ES256" || hdr["typ"] != "at+jwt" {
		t.Errorf("P-256 key: header %v, want alg ES256 typ at+jwt", hdr)
	}
	// The token verifies against the public half of the key in the folder.
	parsed, err := jwt.ParseSigned(a.body["access_token"].(string), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var cl jwt.Claims
	if err := parsed.Claims(&ecKey.PublicKey, &cl); err != nil {
		t.Fatalf("the token is not signed by token_signing_key: %v", err)
	}
}

// TestContractClientJWKSReread: client_jwks.json is re-read when it changes
// (a new key works, a removed one stops), and assertions naming another
// client or lacking exp are refused.
func TestContractClientJWKSReread(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	first, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	second, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	dir := credentialsDir(t, ecKey, []jose.JSONWebKey{{Key: &first.PublicKey, KeyID: "k1", Algorithm: "ES384", Use: "sig"}})
	srv := startServer(t, "R4", t.TempDir(), "--credentials-dir", dir)
	tokenURL := srv.Base + "/oauth2/token"
	form := func(key *ecdsa.PrivateKey, kid, iss, jti string, exp bool) url.Values {
		c := jwt.Claims{Issuer: iss, Subject: iss, Audience: jwt.Audience{tokenURL}, ID: jti, IssuedAt: jwt.NewNumericDate(time.Now())}
		if exp {
			c.Expiry = jwt.NewNumericDate(time.Now().Add(4 * time.Minute))
		}
		return url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion(t, jose.ES384, key, kid, c)}}
	}
	if a := postToken(t, srv.Base, form(first, "k1", "acme-client", "j0", true), "", ""); a.status != 200 {
		t.Fatalf("first key: %d %v", a.status, a.body)
	}
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &second.PublicKey, KeyID: "k2", Algorithm: "ES384", Use: "sig"}}})
	if err := os.WriteFile(filepath.Join(dir, "client_jwks.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; ; n++ {
		if a := postToken(t, srv.Base, form(second, "k2", "acme-client", fmt.Sprintf("poll-%d", n), true), "", ""); a.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a key added to client_jwks.json was not accepted within 10s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cases := []struct {
		name string
		form url.Values
	}{
		{"removed key", form(first, "k1", "acme-client", "j1", true)},
		{"another client's id", form(second, "k2", "acme-aggregator", "j2", true)},
		{"no exp", form(second, "k2", "acme-client", "j3", false)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if a := postToken(t, srv.Base, tc.form, "", ""); a.status != 401 || a.body["error"] != "invalid_client" {
				t.Fatalf("status %d %v, want 401 invalid_client", a.status, a.body)
			}
		})
	}
}
