package auth

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ClientAssertionType is the client_assertion_type of private_key_jwt.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxAssertionLifetime is how far ahead an assertion's exp may be (SMART
// Backend Services: no more than five minutes).
const maxAssertionLifetime = 5 * time.Minute

// assertionAlgs are the algorithms SMART Backend Services requires servers
// to support, and the only ones accepted.
func assertionAlgs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.RS384, jose.ES384}
}

// assertionIssuer reads the unverified iss of an assertion, only to log who
// a refused assertion claimed to be.
func assertionIssuer(assertion string) string {
	tok, err := jwt.ParseSigned(assertion, assertionAlgs())
	if err != nil {
		return ""
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return ""
	}
	return c.Issuer
}

// verifyAssertion authenticates a client by a private_key_jwt assertion
// signed with a key of client_jwks.json and returns its client id.
func (s *Server) verifyAssertion(ring *keyring, assertion, formClientID string, now time.Time) (string, *oauthError) {
	fail := func(desc string) (string, *oauthError) {
		return "", &oauthError{status: 401, code: "invalid_client", desc: "client assertion: " + desc}
	}
	if len(assertion) > maxTokenLen {
		return fail("too long")
	}
	tok, err := jwt.ParseSigned(assertion, assertionAlgs())
	if err != nil {
		return fail("malformed, or not signed with RS384 or ES384")
	}
	if len(tok.Headers) != 1 {
		return fail("want exactly one signature")
	}
	h := tok.Headers[0]
	var c jwt.Claims
	verified, owner := false, ""
	try := func(keys []jose.JSONWebKey) bool {
		for _, k := range keys {
			if keyFits(k, h) && tok.Claims(k.Key, &c) == nil {
				return true
			}
		}
		return false
	}
	verified = try(ring.creds.jwks)
	for _, l := range ring.creds.listed {
		if verified {
			break
		}
		verified, owner = try(l.jwks), l.id
	}
	if !verified {
		return fail("not signed by a key in the client's JWK Set")
	}
	if owner != "" && owner != c.Issuer {
		// A listed client's keys speak for that client only.
		return fail("not signed by a key in the client's JWK Set")
	}
	if c.Issuer == "" || c.Issuer != c.Subject {
		return fail("iss and sub must both be the client id")
	}
	if formClientID != "" && formClientID != c.Issuer {
		return fail("client_id differs from the assertion's iss")
	}
	// client_jwks.json holds the customer's keys, so only the customer's id
	// (current, or replaced but in its grace period) may use them.
	if r, ok := ring.knows(c.Issuer, now); !ok || r != roleCustomer {
		return fail("unknown client")
	}
	if err := c.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{s.tokenURL}, Time: now}, Leeway); err != nil {
		return fail(err.Error() + " (aud must be " + s.tokenURL + ")")
	}
	if c.Expiry == nil {
		return fail("exp is required")
	}
	exp := c.Expiry.Time()
	if exp.After(now.Add(maxAssertionLifetime + Leeway)) {
		return fail("exp is more than 5 minutes ahead")
	}
	if c.ID == "" {
		return fail("jti is required")
	}
	// Checked last, after the signature: only the client can spend its jtis.
	fresh, err := s.jtis.PutIfAbsent(usedJTIKey(c.Issuer, c.ID), nil, exp.Add(Leeway), now)
	if err != nil {
		// Fail closed: an assertion whose use is not on record could be
		// replayed after a restart.
		s.log.Error(err, "cannot record a used client assertion id; refusing the assertion", "clientID", c.Issuer)
		return "", &oauthError{status: http.StatusServiceUnavailable, code: "temporarily_unavailable",
			desc: "client assertion: cannot record its jti; retry with a new assertion", retryAfter: time.Second}
	}
	if !fresh {
		return fail("jti already used")
	}
	s.jtiRecorded()
	return c.Issuer, nil
}

// keyFits reports whether JWK k may have signed a JWS with header h.
func keyFits(k jose.JSONWebKey, h jose.Header) bool {
	if h.KeyID != "" && k.KeyID != h.KeyID {
		return false
	}
	if k.Algorithm != "" && k.Algorithm != h.Algorithm {
		return false
	}
	switch k.Key.(type) {
	case *rsa.PublicKey:
		return h.Algorithm == string(jose.RS384)
	case *ecdsa.PublicKey:
		return h.Algorithm == string(jose.ES384)
	}
	return false
}
