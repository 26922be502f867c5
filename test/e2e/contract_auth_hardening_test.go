package e2e

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issue 15 (hardening), item 6: a private_key_jwt assertion is accepted once
// even across restarts. The test failed against the binary before the fix.

// TestContractJTISurvivesRestart: an assertion already exchanged for a token
// is refused after the server restarts, whether it was stopped with SIGTERM
// or killed with SIGKILL right after the token was acknowledged.
func TestContractJTISurvivesRestart(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	creds := credentialsDir(t, edKey, []jose.JSONWebKey{{Key: &ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES384", Use: "sig"}})
	dataDir := t.TempDir()
	// The same address every time: the assertion's aud is the token URL.
	addr := freeAddr(t)
	start := func() *server {
		s := launch(t, addr, "", nil, "--fhir-version", "R4", "--data-dir", dataDir, "--listen", addr,
			"--base-url", "http://"+addr, "--log-format", "text", "--credentials-dir", creds)
		s.DataDir = dataDir
		return s
	}
	form := func(jti string) url.Values {
		now := time.Now()
		a := assertion(t, jose.ES384, ecKey, "ec-1", jwt.Claims{Issuer: "acme-client", Subject: "acme-client",
			Audience: jwt.Audience{"http://" + addr + "/oauth2/token"}, ID: jti,
			Expiry: jwt.NewNumericDate(now.Add(4 * time.Minute)), IssuedAt: jwt.NewNumericDate(now)})
		return url.Values{"grant_type": {"client_credentials"},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {a}}
	}
	srv := start()
	for _, tc := range []struct {
		name string
		stop func(*server)
	}{
		{"SIGTERM", func(s *server) {
			if code := s.stop(); code != 0 {
				t.Fatalf("exit code %d after SIGTERM", code)
			}
		}},
		{"SIGKILL", func(s *server) { s.kill() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			used := form("jti-before-" + tc.name)
			if a := postToken(t, srv.Base, used, "", ""); a.status != 200 {
				t.Fatalf("first use of the assertion: %d %v", a.status, a.body)
			}
			tc.stop(srv)
			srv = start()
			a := postToken(t, srv.Base, used, "", "")
			if a.status != 401 || a.body["error"] != "invalid_client" {
				t.Fatalf("the same assertion after a restart: %d %v, want 401 invalid_client", a.status, a.body)
			}
			if desc, _ := a.body["error_description"].(string); !strings.Contains(desc, "jti") {
				t.Errorf("refused for another reason than the used jti: %q", desc)
			}
			if a := postToken(t, srv.Base, form("jti-after-"+tc.name), "", ""); a.status != 200 {
				t.Fatalf("a fresh assertion after the restart: %d %v", a.status, a.body)
			}
		})
	}
}
