package auth

import (
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// maxTokenLen bounds what is parsed: our tokens are well under 1 KB.
const maxTokenLen = 8 << 10

// TokenError is why an access token was refused; the resource server answers
// it with 401 and WWW-Authenticate: Bearer error="invalid_token".
type TokenError struct {
	Description string
	// Expired marks a token that was fine once, so a client knows to fetch a
	// new one rather than suspect its configuration.
	Expired bool
}

func (e *TokenError) Error() string { return "invalid access token: " + e.Description }

func tokenErr(format string, args ...any) *TokenError {
	return &TokenError{Description: fmt.Sprintf(format, args...)}
}

// ErrNoToken is returned by Authenticate when the request has no bearer token.
var ErrNoToken = &TokenError{Description: "no bearer token in the Authorization header"}

// VerifyToken checks a raw access token and returns its principal. Verified
// tokens are cached until they expire; the Principal returned is shared
// between requests and must not be modified.
func (s *Server) VerifyToken(raw string) (*Principal, error) {
	s.recheckIfDue()
	now := s.now()
	if p, ok := s.tokens.get(raw, now); ok {
		return p, nil
	}
	if len(raw) > maxTokenLen {
		return nil, tokenErr("token longer than %d bytes", maxTokenLen)
	}
	if strings.Count(raw, ".") != 2 {
		return nil, tokenErr("not a compact JWS")
	}
	// Only the algorithms our own key types sign with are parsed at all: a
	// token claiming "none" or HS256 (say, HMAC keyed with our public key)
	// fails here, before any key is looked at.
	tok, err := jwt.ParseSigned(raw, verifyAlgs())
	if err != nil {
		return nil, tokenErr("malformed or unsupported token: %v", err)
	}
	if len(tok.Headers) != 1 {
		return nil, tokenErr("want exactly one signature")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !isAccessTokenType(typ) {
		return nil, tokenErr("header typ %q is not at+jwt", typ)
	}
	ring := s.ring.Load()
	key, err := ring.keyFor(h.KeyID, h.Algorithm, now)
	if err != nil {
		return nil, tokenErr("not signed by this endpoint")
	}
	var c accessClaims
	if err := tok.Claims(key.pub, &c); err != nil {
		return nil, tokenErr("signature check failed")
	}
	if err := c.ValidateWithLeeway(jwt.Expected{
		Issuer:      s.issuer,
		AnyAudience: jwt.Audience{s.audience},
		Time:        now,
	}, Leeway); err != nil {
		te := tokenErr("%v", err)
		te.Expired = errors.Is(err, jwt.ErrExpired)
		return nil, te
	}
	if c.Expiry == nil || c.IssuedAt == nil || c.Subject == "" || c.ClientID == "" || c.ID == "" {
		return nil, tokenErr("missing one of the required claims exp, iat, sub, client_id, jti")
	}
	if c.Subject != c.ClientID {
		return nil, tokenErr("sub and client_id differ")
	}
	grants, err := parseScopes(c.Scope, c.Patient != "")
	if err != nil {
		return nil, tokenErr("scope: %v", err)
	}
	p := &Principal{ClientID: c.ClientID, TokenID: c.ID, Expires: c.Expiry.Time(), Patient: c.Patient, grants: grants}
	if r, ok := ring.knows(c.ClientID, now); ok && r == roleAggregator {
		p.Aggregator = true
	}
	for _, g := range grants {
		p.Scopes = append(p.Scopes, g.text)
	}
	s.tokens.put(raw, p, p.Expires.Add(Leeway), now)
	return p, nil
}

func isAccessTokenType(typ string) bool {
	return strings.EqualFold(typ, "at+jwt") || strings.EqualFold(typ, "application/at+jwt")
}
