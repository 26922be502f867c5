package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// patientIssuer is the OpenID provider patients log in with, built by the
// test: an RS256 key whose public half is a JWKS file the aggregator reads
// (--patient-jwks), as NHS login publishes its keys.
type patientIssuer struct {
	iss, aud string
	key      *rsa.PrivateKey
	kid      string
	jwks     string // path of the JWKS file
}

func newPatientIssuer(t *testing.T) *patientIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &patientIssuer{iss: "https://auth.login.example.nhs.uk", aud: "aggregated-e2e-app", key: key, kid: "e2e-rs256",
		jwks: filepath.Join(t.TempDir(), "jwks.json")}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig"}}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.jwks, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// flags configure the aggregator's patient access with this issuer.
func (p *patientIssuer) flags() []string {
	return []string{"--patient-issuer", p.iss, "--patient-jwks", p.jwks, "--patient-audience", p.aud}
}

// idToken signs an ID token for nhs proofed at level (P9 is what the
// aggregator requires by default).
func (p *patientIssuer) idToken(t *testing.T, nhs, level string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	raw, err := jwt.Signed(signer).Claims(map[string]any{
		"iss": p.iss, "aud": p.aud, "sub": "nhs-login-" + nhs, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"identity_proofing_level": level, "nhs_number": nhs,
	}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// exchange trades an ID token for an access token at the aggregator's token
// endpoint (RFC 8693).
func (p *patientIssuer) exchange(t *testing.T, base, idToken string) tokenAnswer {
	t.Helper()
	return postToken(t, base, url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"}, "subject_token": {idToken}}, "", "")
}
