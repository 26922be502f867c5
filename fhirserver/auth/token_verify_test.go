package auth

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// forge signs claims as the test wishes, to build tokens the server must refuse.
func forge(t testing.TB, alg jose.SignatureAlgorithm, key any, typ, kid string, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts.WithType(jose.ContentType(typ))
	}
	if kid != "" {
		opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// goodClaims are the claims the endpoint itself would issue at now.
func goodClaims(e *testEndpoint, now time.Time) map[string]any {
	return map[string]any{
		"iss": e.srv.Issuer(), "aud": e.srv.Audience(), "sub": e.creds.clientID,
		"client_id": e.creds.clientID, "scope": "system/*.cruds",
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "jti": "j1",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifyTokenRefusals(t *testing.T) {
	clock := newFakeClock()
	e := newTestEndpoint(t, newCredSet(t, "acme"), clock)
	other := newTestEndpoint(t, newCredSet(t, "other"), clock)
	key, err := parseSigningKey(e.creds.keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	good := goodClaims(e, now)
	sign := func(claims map[string]any) string { return forge(t, key.alg, key.private, "at+jwt", key.kid, claims) }

	// Control: the forging helper makes tokens the server accepts.
	if _, err := e.srv.VerifyToken(sign(good)); err != nil {
		t.Fatalf("control token refused: %v", err)
	}

	pubDER, _ := x509.MarshalPKIXPublicKey(key.public)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	valid := sign(with(good, "jti", "valid"))
	parts := strings.Split(valid, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[len(sig)/2] ^= 0x01
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	payload, _ := json.Marshal(good)
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt","kid":"`+key.kid+`"}`)) + "." +
		base64.RawURLEncoding.EncodeToString(payload) + "."
	otherToken := other.token(t, other.creds.clientID, other.creds.clientSecret, "")

	cases := []struct {
		name        string
		token       string
		wantExpired bool
	}{
		{"empty", "", false},
		{"malformed", "not-a-jwt", false},
		{"two parts", "abc.def", false},
		{"garbage base64", "!!.??.**", false},
		{"expired", sign(with(good, "iat", now.Add(-20*time.Minute).Unix(), "exp", now.Add(-time.Minute).Unix())), true},
		{"not yet valid", sign(with(good, "nbf", now.Add(5*time.Minute).Unix())), false},
		{"issued in the future", sign(with(good, "iat", now.Add(5*time.Minute).Unix())), false},
		{"wrong aud", sign(with(good, "aud", "https://elsewhere.example/fhir")), false},
		{"wrong iss", sign(with(good, "iss", "https://elsewhere.example")), false},
		{"no exp", sign(with(good, "exp", nil)), false},
		{"no jti", sign(with(good, "jti", nil)), false},
		{"no client_id", sign(with(good, "client_id", nil)), false},
		{"sub differs from client_id", sign(with(good, "sub", "mallory")), false},
		{"patient scope", sign(with(good, "scope", "patient/*.read")), false},
		{"user scope", sign(with(good, "scope", "user/*.cruds")), false},
		{"wrong typ", forge(t, key.alg, key.private, "JWT", key.kid, good), false},
		{"no typ", forge(t, key.alg, key.private, "", key.kid, good), false},
		{"unknown kid", forge(t, key.alg, key.private, "at+jwt", "other-kid", good), false},
		{"signature flipped", flipped, false},
		{"alg none", none, false},
		{"HMAC with the public key PEM", forge(t, jose.HS256, pubPEM, "at+jwt", key.kid, good), false},
		{"HMAC with the public key DER", forge(t, jose.HS256, pubDER, "at+jwt", key.kid, good), false},
		{"signed by another key, same kid", forge(t, key.alg, mustKey(t, p256PEM(t)).private, "at+jwt", key.kid, good), false},
		{"another endpoint's token", otherToken, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.srv.VerifyToken(tc.token)
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("error %T %v is not a *TokenError", err, err)
			}
			if te.Expired != tc.wantExpired {
				t.Fatalf("Expired = %v for %v", te.Expired, err)
			}
		})
	}
}

func mustKey(t testing.TB, pemBytes []byte) *signingKey {
	t.Helper()
	k, err := parseSigningKey(pemBytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyTokenLeewayAndExpiry(t *testing.T) {
	clock := newFakeClock()
	e := newTestEndpoint(t, newCredSet(t, "acme"), clock)
	raw := e.token(t, e.creds.clientID, e.creds.clientSecret, "")
	if _, err := e.srv.VerifyToken(raw); err != nil {
		t.Fatal(err)
	}
	// Within the leeway after exp the (now cached) token still passes...
	clock.Add(DefaultTokenTTL + Leeway - time.Second)
	if _, err := e.srv.VerifyToken(raw); err != nil {
		t.Fatalf("refused inside the leeway: %v", err)
	}
	// ...and after it, the cache does not keep it alive.
	clock.Add(2 * time.Second)
	_, err := e.srv.VerifyToken(raw)
	var te *TokenError
	if !errors.As(err, &te) || !te.Expired {
		t.Fatalf("expired token: %v", err)
	}
}

func TestVerifyTokenCachesOnlySuccesses(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	raw := e.token(t, e.creds.clientID, e.creds.clientSecret, "")
	for i := 0; i < 3; i++ {
		if _, err := e.srv.VerifyToken(raw); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.srv.VerifyToken(raw + "x"); err == nil {
		t.Fatal("tampered token accepted")
	}
	if n := e.srv.tokens.len(); n != 1 {
		t.Fatalf("cache holds %d tokens, want 1", n)
	}
}

func TestVerifyTokenKeyTypes(t *testing.T) {
	for _, kc := range []struct {
		name string
		pem  func(testing.TB) []byte
		alg  string
	}{{"P-256", p256PEM, "ES256"}, {"Ed25519", ed25519PEM, "EdDSA"}, {"RSA", rsaPEM, "RS256"}} {
		t.Run(kc.name, func(t *testing.T) {
			c := newCredSet(t, "acme")
			c.keyPEM = kc.pem(t)
			e := newTestEndpoint(t, c, newFakeClock())
			raw := e.token(t, c.clientID, c.clientSecret, "")
			tok, err := jwt.ParseSigned(raw, verifyAlgs())
			if err != nil || tok.Headers[0].Algorithm != kc.alg {
				t.Fatalf("alg %v err %v", tok.Headers, err)
			}
			if _, err := e.srv.VerifyToken(raw); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// BenchmarkVerifyToken compares a cached verification (what every request
// after the first pays) with a full signature check.
func BenchmarkVerifyToken(b *testing.B) {
	for _, kc := range []struct {
		name string
		pem  func(testing.TB) []byte
	}{{"ES256", p256PEM}, {"EdDSA", ed25519PEM}} {
		c := newCredSet(b, "bench")
		c.keyPEM = kc.pem(b)
		e := newTestEndpoint(b, c, newFakeClock())
		raw := e.token(b, c.clientID, c.clientSecret, "")
		b.Run(kc.name+"/cached", func(b *testing.B) {
			if _, err := e.srv.VerifyToken(raw); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.srv.VerifyToken(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(kc.name+"/uncached", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.srv.tokens = newTokenCache(defaultTokenCacheSize)
				if _, err := e.srv.VerifyToken(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzVerifyToken: nothing a client sends as a token may panic or pass.
func FuzzVerifyToken(f *testing.F) {
	e := newTestEndpoint(f, newCredSet(f, "fuzz"), newFakeClock())
	good := e.token(f, e.creds.clientID, e.creds.clientSecret, "")
	f.Add(good)
	f.Add("")
	f.Add("a.b.c")
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := e.srv.VerifyToken(raw)
		if err == nil && raw != good {
			// Only the issued token (or an equivalent encoding of it) may pass.
			if p.ClientID != e.creds.clientID {
				t.Fatalf("forged token accepted: %+v", p)
			}
		}
	})
}

// The aggregator's token says so; the customer's does not, whatever its
// scopes, so $aggregation-outcome can tell them apart.
func TestVerifyTokenMarksTheAggregator(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	for _, tc := range []struct {
		name, id, secret string
		want             bool
	}{
		{"customer", e.creds.clientID, e.creds.clientSecret, false},
		{"aggregator", e.creds.aggID, e.creds.aggSecret, true},
	} {
		p, err := e.srv.VerifyToken(e.token(t, tc.id, tc.secret, ""))
		if err != nil {
			t.Fatal(tc.name, err)
		}
		if p.Aggregator != tc.want {
			t.Errorf("%s: Aggregator = %v, want %v", tc.name, p.Aggregator, tc.want)
		}
	}
}
