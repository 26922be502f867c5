package auth

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Token endpoint authentication methods (RFC 7591 names).
const (
	MethodClientSecretBasic = "client_secret_basic"
	MethodClientSecretPost  = "client_secret_post"
	MethodPrivateKeyJWT     = "private_key_jwt"
)

// oauthError is an RFC 6749 §5.2 error response.
type oauthError struct {
	status int
	code   string
	desc   string
	// retryAfter is set on 429.
	retryAfter time.Duration
}

// authenticatedClient is who passed client authentication.
type authenticatedClient struct {
	id     string
	role   role
	method string
}

// clientAuthAttempt is what a token request offers as client authentication,
// before anything is checked.
type clientAuthAttempt struct {
	method    string
	id        string // claimed id (unverified for private_key_jwt)
	secret    string
	rawSecret string // the Basic secret before form-decoding
	assertion string
}

// readClientAuth works out which single authentication method a request
// uses. RFC 6749 §2.3 forbids using more than one.
func readClientAuth(r *http.Request, form url.Values) (clientAuthAttempt, *oauthError) {
	var a clientAuthAttempt
	n := 0
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return a, &oauthError{status: 401, code: "invalid_client", desc: "the Authorization header must use the Basic scheme"}
		}
		dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return a, &oauthError{status: 401, code: "invalid_client", desc: "malformed Basic credentials"}
		}
		id, secret, ok := strings.Cut(string(dec), ":")
		if !ok {
			return a, &oauthError{status: 401, code: "invalid_client", desc: "malformed Basic credentials"}
		}
		// RFC 6749 §2.3.1 form-encodes id and secret before base64; many
		// clients do not. Both readings are tried for the secret.
		a.method, a.id, a.secret, a.rawSecret = MethodClientSecretBasic, formDecode(id), formDecode(secret), secret
		n++
	}
	if form.Has("client_secret") {
		a.method, a.id, a.secret = MethodClientSecretPost, form.Get("client_id"), form.Get("client_secret")
		n++
	}
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		if form.Get("client_assertion_type") != ClientAssertionType {
			return a, &oauthError{status: 400, code: "invalid_request", desc: "client_assertion_type must be " + ClientAssertionType}
		}
		if form.Get("client_assertion") == "" {
			return a, &oauthError{status: 400, code: "invalid_request", desc: "client_assertion is missing"}
		}
		a.method, a.assertion = MethodPrivateKeyJWT, form.Get("client_assertion")
		a.id = assertionIssuer(a.assertion)
		n++
	}
	switch {
	case n > 1:
		return a, &oauthError{status: 400, code: "invalid_request", desc: "use exactly one client authentication method"}
	case n == 0:
		return a, &oauthError{status: 401, code: "invalid_client", desc: "client authentication required (client_secret_basic, client_secret_post or private_key_jwt)"}
	}
	if a.method == MethodClientSecretBasic && form.Has("client_id") && form.Get("client_id") != a.id {
		return a, &oauthError{status: 400, code: "invalid_request", desc: "client_id differs from the Basic credentials"}
	}
	if a.method == MethodClientSecretPost && a.id == "" {
		return a, &oauthError{status: 400, code: "invalid_request", desc: "client_id is missing"}
	}
	return a, nil
}

func formDecode(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// authenticateClient checks the attempt against the endpoint's credentials.
// The description never says whether the id or the secret was wrong.
func (s *Server) authenticateClient(a clientAuthAttempt, form url.Values, now time.Time) (authenticatedClient, *oauthError) {
	s.reloadIfDue()
	ring := s.ring.Load()
	if a.method == MethodPrivateKeyJWT {
		id, oe := s.verifyAssertion(ring, a.assertion, form.Get("client_id"), now)
		if oe != nil {
			return authenticatedClient{}, oe
		}
		return authenticatedClient{id: id, role: roleCustomer, method: a.method}, nil
	}
	r, ok := ring.authenticate(a.id, a.secret, now)
	if !ok && a.rawSecret != "" && a.rawSecret != a.secret {
		r, ok = ring.authenticate(a.id, a.rawSecret, now)
	}
	if !ok {
		return authenticatedClient{}, &oauthError{status: 401, code: "invalid_client", desc: "client authentication failed"}
	}
	return authenticatedClient{id: a.id, role: r, method: a.method}, nil
}
