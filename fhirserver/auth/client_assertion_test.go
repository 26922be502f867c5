package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// backendClient is a SMART Backend Services client with its own key pair.
type backendClient struct {
	key crypto.Signer
	alg jose.SignatureAlgorithm
	kid string
}

func newBackendClient(t testing.TB, alg jose.SignatureAlgorithm, kid string) backendClient {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case jose.ES384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jose.ES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	return backendClient{key: k, alg: alg, kid: kid}
}

func jwksOf(t testing.TB, clients ...backendClient) []byte {
	var set jose.JSONWebKeySet
	for _, c := range clients {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: c.key.Public(), KeyID: c.kid, Use: "sig"})
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (c backendClient) assertion(t testing.TB, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", c.kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: c.alg, Key: c.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func assertionForm(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {ClientAssertionType},
		"client_assertion":      {assertion},
		"scope":                 {"system/*.rs"},
	}
}

func TestPrivateKeyJWT(t *testing.T) {
	clock := newFakeClock()
	rsaClient := newBackendClient(t, jose.RS384, "rsa-1")
	ecClient := newBackendClient(t, jose.ES384, "ec-1")
	c := newCredSet(t, "acme")
	c.jwks = jwksOf(t, rsaClient, ecClient)
	e := newTestEndpoint(t, c, clock)
	now := clock.Now()
	claims := func(jti string, kv ...any) map[string]any {
		return with(map[string]any{
			"iss": c.clientID, "sub": c.clientID, "aud": e.srv.TokenURL(),
			"exp": now.Add(4 * time.Minute).Unix(), "jti": jti,
		}, kv...)
	}
	stranger := newBackendClient(t, jose.ES384, "ec-1") // same kid, key not in the JWK Set
	es256 := newBackendClient(t, jose.ES256, "ec-256")

	ok := []struct {
		name   string
		client backendClient
	}{{"RS384", rsaClient}, {"ES384", ecClient}}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			r := postToken(t, e, assertionForm(tc.client.assertion(t, claims("ok-"+tc.name))), "", "")
			if r.status != http.StatusOK || r.str("scope") != "system/*.rs" {
				t.Fatalf("%d %v", r.status, r.body)
			}
			p, err := e.srv.VerifyToken(r.str("access_token"))
			if err != nil || p.ClientID != c.clientID {
				t.Fatalf("principal %+v %v", p, err)
			}
		})
	}

	replayed := ecClient.assertion(t, claims("replay"))
	if r := postToken(t, e, assertionForm(replayed), "", ""); r.status != http.StatusOK {
		t.Fatalf("first use of an assertion: %d %v", r.status, r.body)
	}
	refused := []struct {
		name      string
		assertion string
	}{
		{"replayed jti", replayed},
		{"replayed jti in a new assertion", rsaClient.assertion(t, claims("replay"))},
		{"wrong aud", ecClient.assertion(t, claims("a1", "aud", e.srv.Audience()))},
		{"exp more than 5 minutes ahead", ecClient.assertion(t, claims("a2", "exp", now.Add(10*time.Minute).Unix()))},
		{"expired", ecClient.assertion(t, claims("a3", "exp", now.Add(-2*time.Minute).Unix()))},
		{"no exp", ecClient.assertion(t, claims("a4", "exp", nil))},
		{"no jti", ecClient.assertion(t, claims("", "jti", nil))},
		{"iss differs from sub", ecClient.assertion(t, claims("a5", "sub", "someone"))},
		{"aggregator id", ecClient.assertion(t, claims("a6", "iss", c.aggID, "sub", c.aggID))},
		{"unknown client id", ecClient.assertion(t, claims("a7", "iss", "nobody", "sub", "nobody"))},
		{"key not in the JWK Set", stranger.assertion(t, claims("a8"))},
		{"ES256 not allowed", es256.assertion(t, claims("a9"))},
		{"not yet valid", ecClient.assertion(t, claims("a10", "nbf", now.Add(3*time.Minute).Unix()))},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			e.srv.throttle = newThrottle(defaultThrottlePolicy()) // each case on its own, not a guessing spree
			r := postToken(t, e, assertionForm(tc.assertion), "", "")
			if r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
				t.Fatalf("%d %v", r.status, r.body)
			}
		})
	}

	t.Run("client_id must match iss", func(t *testing.T) {
		form := assertionForm(ecClient.assertion(t, claims("b1")))
		form.Set("client_id", c.aggID)
		if r := postToken(t, e, form, "", ""); r.status != http.StatusUnauthorized {
			t.Fatalf("%d %v", r.status, r.body)
		}
	})
	t.Run("a jti may be reused after its assertion expired", func(t *testing.T) {
		// Replay protection is bounded by the assertion lifetime; this is
		// what lets the jti store forget.
		clock.Add(6 * time.Minute)
		now = clock.Now()
		r := postToken(t, e, assertionForm(ecClient.assertion(t, claims("replay"))), "", "")
		if r.status != http.StatusOK {
			t.Fatalf("%d %v", r.status, r.body)
		}
	})
}

func TestPrivateKeyJWTWithoutJWKS(t *testing.T) {
	clock := newFakeClock()
	e := newTestEndpoint(t, newCredSet(t, "acme"), clock)
	cl := newBackendClient(t, jose.ES384, "k")
	a := cl.assertion(t, map[string]any{"iss": e.creds.clientID, "sub": e.creds.clientID, "aud": e.srv.TokenURL(),
		"exp": clock.Now().Add(time.Minute).Unix(), "jti": "x"})
	if r := postToken(t, e, assertionForm(a), "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("%d %v", r.status, r.body)
	}
}
