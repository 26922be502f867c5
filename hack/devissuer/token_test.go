package main

import (
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestMint(t *testing.T) {
	dir := t.TempDir()
	k, err := ensureKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	raw, err := mint(k, idToken{NHSNumber: "9000000009", ProofingLevel: "P9", Issuer: devIssuer, Audience: devAudience, TTL: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if h := tok.Headers[0]; h.KeyID != k.kid || h.Algorithm != "ES256" {
		t.Fatalf("header %+v", h)
	}
	// Verified with the published JWK Set, as the aggregator does.
	var c idClaims
	if err := tok.Claims(readJWKS(t, dir).Keys[0].Key, &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(jwt.Expected{Issuer: devIssuer, AnyAudience: jwt.Audience{devAudience}, Time: now.Add(59 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if c.Validate(jwt.Expected{Time: now.Add(61*time.Minute + jwt.DefaultLeeway)}) == nil {
		t.Error("the token outlives its --ttl")
	}
	if c.NHSNumber != "9000000009" || c.ProofingLevel != "P9" || c.Subject != "dev-patient-9000000009" || !c.IssuedAt.Time().Equal(now) {
		t.Fatalf("claims %+v", c)
	}
}

func TestCheck(t *testing.T) {
	ok := idToken{NHSNumber: "9434765919", ProofingLevel: "P5", TTL: time.Minute}
	tests := []struct {
		name string
		edit func(*idToken)
		want string // "" accepted
	}{
		{"valid", func(*idToken) {}, ""},
		{"a proofing level below P9 is for trying the refusal", func(t *idToken) { t.ProofingLevel = "P0" }, ""},
		{"bad check digit", func(t *idToken) { t.NHSNumber = "9000000001" }, "not an NHS number"},
		{"spaces", func(t *idToken) { t.NHSNumber = "943 476 5919" }, "not an NHS number"},
		{"nine digits", func(t *idToken) { t.NHSNumber = "943476591" }, "not an NHS number"},
		{"proofing level", func(t *idToken) { t.ProofingLevel = "high" }, "not P0 … P9"},
		{"ttl", func(t *idToken) { t.TTL = 0 }, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := ok
			tt.edit(&tok)
			err := tok.check()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("check() = %v, want %q", err, tt.want)
			}
		})
	}
}
