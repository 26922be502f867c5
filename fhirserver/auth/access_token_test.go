package auth

import (
	"testing"

	"github.com/go-jose/go-jose/v4/jwt"
)

func TestAccessTokenShape(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	raw := e.token(t, e.creds.clientID, e.creds.clientSecret, "")
	tok, err := jwt.ParseSigned(raw, verifyAlgs())
	if err != nil {
		t.Fatal(err)
	}
	h := tok.Headers[0]
	if h.ExtraHeaders["typ"] != "at+jwt" || h.Algorithm != "ES256" || h.KeyID == "" {
		t.Fatalf("header %+v", h)
	}
	var claims map[string]any
	if err := tok.UnsafeClaimsWithoutVerification(&claims); err != nil {
		t.Fatal(err)
	}
	now := float64(e.clock.Now().Unix())
	want := map[string]any{
		"iss": e.srv.Issuer(), "aud": e.srv.Audience(), "sub": e.creds.clientID,
		"client_id": e.creds.clientID, "scope": "system/*.cruds", "iat": now, "exp": now + 600,
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if s, _ := claims["jti"].(string); len(s) < 16 {
		t.Errorf("jti %v", claims["jti"])
	}
}

func TestIssuedTokensAreUnique(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	a := e.token(t, e.creds.clientID, e.creds.clientSecret, "")
	b := e.token(t, e.creds.clientID, e.creds.clientSecret, "")
	if a == b {
		t.Fatal("two token requests in the same second got the same token (jti not random)")
	}
}
