package e2e

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issue 15 (hardening), items 1 and 6: the token endpoint's throttle cannot
// be turned into a lockout, and a private_key_jwt assertion is accepted once
// even across restarts. Both tests failed against the binary before the fix.

// postTokenVia is postToken as relayed by a proxy that saw the client at
// clientAddr (X-Forwarded-For).
func postTokenVia(t *testing.T, base, clientAddr, id, secret string) tokenAnswer {
	t.Helper()
	req := tokenRequest(base, url.Values{"grant_type": {"client_credentials"}}, id, secret)
	req.Header.Set("X-Forwarded-For", clientAddr)
	return sendToken(t, req)
}

// TestContractNoClientLockout: wrong secrets for a client id (public: it is
// in every token) block the address that sent them, never the id. Loopback
// plays the Ingress (--trusted-proxies 127.0.0.0/8), X-Forwarded-For the
// clients behind it.
func TestContractNoClientLockout(t *testing.T) {
	srv := startServer(t, "R4", t.TempDir(), "--trusted-proxies", "127.0.0.0/8")
	dir := filepath.Join(srv.DataDir, "credentials")
	id, secret := readCred(t, dir, "client_id"), readCred(t, dir, "client_secret")
	aggID, aggSecret := readCred(t, dir, "aggregator_client_id"), readCred(t, dir, "aggregator_client_secret")
	const guesser = "203.0.113.66"
	for i := range 12 {
		a := postTokenVia(t, srv.Base, guesser, id, "guess-"+strconv.Itoa(i))
		if want := map[bool]int{true: 401, false: 429}[i < 10]; a.status != want {
			t.Fatalf("wrong secret %d from the guessing address: %d, want %d", i+1, a.status, want)
		}
	}
	if a := postTokenVia(t, srv.Base, "198.51.100.20", id, secret); a.status != 200 {
		t.Errorf("the owner's correct secret from another address: %d %v, want 200", a.status, a.body)
	}
	if a := postTokenVia(t, srv.Base, "198.51.100.21", aggID, aggSecret); a.status != 200 {
		t.Errorf("the aggregator behind the same proxy: %d %v, want 200", a.status, a.body)
	}
	a := postTokenVia(t, srv.Base, guesser, id, secret)
	if secs, err := strconv.Atoi(a.header.Get("Retry-After")); a.status != 429 || err != nil || secs < 1 || secs > 60 {
		t.Errorf("the guessing address, even with the correct secret: %d Retry-After %q, want 429 and 1..60 s", a.status, a.header.Get("Retry-After"))
	}
}

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
