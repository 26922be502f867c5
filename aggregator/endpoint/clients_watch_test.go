package endpoint

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClientsWatched: a change in a customer's folder is in force without
// a reload asked for: new labels, and a JWK Set that lets the customer
// authenticate with private_key_jwt.
func TestClientsWatched(t *testing.T) {
	var clients string
	e := newEnv(t, func(c *Config) { clients = c.ClientsDir })
	gamma := e.w.readers()[2]
	tok := e.tokenFor(gamma)
	count := func() string { return total(e.get(tok, "/fhir/Condition?_summary=count").json(t)) }
	before := count()
	if err := os.WriteFile(filepath.Join(clients, "gamma", filePrivacyLabels), []byte("MENTAL_HEALTH"), 0o600); err != nil {
		t.Fatal(err)
	}
	eventually(t, "gamma's new label in force", func() bool { return count() != before })

	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeJSONFile(filepath.Join(clients, "acme", fileClientJWKS),
		jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "acme-1", Use: "sig"}}}); err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "acme-1"))
	if err != nil {
		t.Fatal(err)
	}
	jti := 0
	assertion := func() url.Values {
		jti++
		raw, err := jwt.Signed(signer).Claims(map[string]any{"iss": "acme-client", "sub": "acme-client",
			"aud": e.srv.URL + "/oauth2/token", "exp": time.Now().Add(time.Minute).Unix(), "jti": "j" + string(rune('a'+jti))}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"grant_type": {"client_credentials"}, "client_assertion": {raw},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
	}
	eventually(t, "acme's private_key_jwt", func() bool { return e.postToken(assertion(), "", "").status == http.StatusOK })
}
