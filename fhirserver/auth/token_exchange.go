package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"
)

// RFC 8693 names.
const (
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeIDToken       = "urn:ietf:params:oauth:token-type:id_token"
	TokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
)

// Exchanger checks the subject token of a token exchange request (the
// form, every parameter once) and says what token to issue for it. It
// decides who the subject is; the Server signs, scopes and answers.
type Exchanger interface {
	Exchange(ctx context.Context, form url.Values) (ExchangeGrant, error)
}

// ExchangeGrant is the access token an exchange earns.
type ExchangeGrant struct {
	// Subject is the token's sub and client_id (the exchange has no client
	// of its own).
	Subject string
	// Patient is the patient claim: the id of the Patient resource whose
	// compartment the token reads. Its scopes are then patient/ scopes.
	Patient string
	// Scope is the granted scope, e.g. "patient/*.read".
	Scope string
}

// GrantError is an exchange refused with an RFC 6749 §5.2 error code
// (invalid_request, invalid_grant, invalid_scope, …) and a description
// that says what to fix. Any other error from an Exchanger is a
// server_error.
type GrantError struct {
	Code        string
	Description string
}

func (e *GrantError) Error() string { return e.Code + ": " + e.Description }

// serveExchange answers a token exchange request. The subject token is the
// only credential (the patient's app is a public client), so a refused one
// (invalid_grant) counts as a failed authentication for throttling; a
// malformed request does not.
func (s *Server) serveExchange(w http.ResponseWriter, r *http.Request, form url.Values) attemptResult {
	g, err := s.cfg.Exchange.Exchange(r.Context(), form)
	if err != nil {
		var ge *GrantError
		if !errors.As(err, &ge) {
			s.log.Error(err, "token exchange")
			s.writeOAuthError(w, &oauthError{status: 500, code: "server_error", desc: "could not check the subject token"})
			return outcomeNone
		}
		s.log.V(1).Info("token exchange refused", "remote", r.RemoteAddr, "code", ge.Code, "reason", ge.Description)
		s.writeOAuthError(w, &oauthError{status: http.StatusBadRequest, code: ge.Code, desc: ge.Description})
		if ge.Code == "invalid_grant" {
			return outcomeFailed // the credential was wrong, as a bad secret is
		}
		return outcomeNone
	}
	if _, err := parseScopes(g.Scope, g.Patient != ""); err != nil || g.Subject == "" {
		s.log.Error(errors.Join(err, errors.New("empty subject or bad scope")), "token exchange grant", "scope", g.Scope)
		s.writeOAuthError(w, &oauthError{status: 500, code: "server_error", desc: "could not issue a token"})
		return outcomeNone
	}
	token, _, err := s.issueTokenFor(s.ring.Load(), g.Subject, g.Scope, g.Patient)
	if err != nil {
		s.log.Error(err, "issue access token")
		s.writeOAuthError(w, &oauthError{status: 500, code: "server_error", desc: "could not issue a token"})
		return outcomeNone
	}
	s.log.V(1).Info("access token issued by exchange", "subject", g.Subject, "patient", g.Patient, "scope", g.Scope)
	writeJSON(w, http.StatusOK, exchangeResponse{
		tokenResponse:   tokenResponse{AccessToken: token, TokenType: "bearer", ExpiresIn: int64(s.cfg.TokenTTL / time.Second), Scope: g.Scope},
		IssuedTokenType: TokenTypeAccessToken,
		Patient:         g.Patient,
	})
	return outcomeSucceeded
}

// exchangeResponse is RFC 8693 §2.2.1's answer, with SMART's patient
// context beside the token.
type exchangeResponse struct {
	tokenResponse
	IssuedTokenType string `json:"issued_token_type"`
	Patient         string `json:"patient,omitempty"`
}
