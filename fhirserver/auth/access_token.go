package auth

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// accessClaims are the claims of an RFC 9068 JWT access token.
type accessClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	// Patient is SMART's patient context: the token reads that patient's
	// compartment (patient/ scopes, token exchange only).
	Patient string `json:"patient,omitempty"`
}

// issueToken signs an access token for clientID with the granted scope.
func (s *Server) issueToken(k *keyring, clientID, scope string) (string, time.Time, error) {
	return s.issueTokenFor(k, clientID, scope, "")
}

// issueTokenFor signs an access token, in a patient's context when patient
// is set.
func (s *Server) issueTokenFor(k *keyring, clientID, scope, patient string) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.cfg.TokenTTL)
	jti, err := randomJTI()
	if err != nil {
		return "", time.Time{}, err
	}
	c := accessClaims{
		Claims: jwt.Claims{
			Issuer:   s.issuer,
			Subject:  clientID,
			Audience: jwt.Audience{s.audience},
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(exp),
			ID:       jti,
		},
		ClientID: clientID,
		Scope:    scope,
		Patient:  patient,
	}
	raw, err := jwt.Signed(k.signer).Claims(c).Serialize()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return raw, exp, nil
}

func randomJTI() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
