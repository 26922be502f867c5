package auth

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxTokenRequest bounds a token request body.
const maxTokenRequest = 64 << 10

// TokenHandler serves POST /oauth2/token: the client credentials grant.
func (s *Server) TokenHandler() http.Handler { return http.HandlerFunc(s.serveToken) }

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeOAuthError(w, &oauthError{status: http.StatusMethodNotAllowed, code: "invalid_request", desc: "use POST"})
		return
	}
	now := s.now()
	// A blocked address is refused before anything is read or checked:
	// that is what keeps guessing slow. Nothing about a client id is
	// counted, so no one else's failures can refuse a correct secret.
	src := s.proxies.sourceAddr(r)
	tk, wait := s.throttle.begin(src, now)
	if wait > 0 {
		s.writeOAuthError(w, tooMany(wait))
		return
	}
	result := outcomeNone
	defer func() { s.throttle.settle(tk, result, now) }()
	form, oe := readTokenForm(w, r)
	if oe != nil {
		s.writeOAuthError(w, oe)
		return
	}
	// The grant type is checked before the client: the one supported grant
	// is public (SMART configuration), so this tells a caller nothing.
	switch form.Get("grant_type") {
	case "client_credentials":
	case GrantTypeTokenExchange:
		if s.cfg.Exchange != nil {
			result = s.serveExchange(w, r, form)
			return
		}
		s.writeOAuthError(w, &oauthError{status: 400, code: "unsupported_grant_type", desc: "only client_credentials is supported"})
		return
	case "":
		s.writeOAuthError(w, &oauthError{status: 400, code: "invalid_request", desc: "grant_type is missing"})
		return
	default:
		s.writeOAuthError(w, &oauthError{status: 400, code: "unsupported_grant_type", desc: "only client_credentials is supported"})
		return
	}
	attempt, oe := readClientAuth(r, form)
	if oe != nil {
		if oe.code == "invalid_client" {
			result = outcomeFailed
		}
		s.writeOAuthError(w, oe)
		return
	}
	client, oe := s.authenticateClient(attempt, form, now)
	if oe != nil && oe.code == "invalid_client" && s.reloadOnMiss() {
		// The client may already hold a secret the kubelet has not yet
		// told us about; look before refusing it.
		client, oe = s.authenticateClient(attempt, form, now)
	}
	if oe != nil {
		if oe.code == "invalid_client" {
			result = outcomeFailed
		}
		s.log.V(1).Info("token request refused", "remote", r.RemoteAddr, "source", src.String(), "clientID", attempt.id, "method", attempt.method, "reason", oe.desc)
		s.writeOAuthError(w, oe)
		return
	}
	result = outcomeSucceeded

	scope, err := s.grantScopes(client.role, form.Get("scope"))
	if err != nil {
		s.writeOAuthError(w, &oauthError{status: 400, code: "invalid_scope", desc: err.Error()})
		return
	}
	token, _, err := s.issueTokenFor(s.ring.Load(), client.id, scope, "")
	if err != nil {
		s.log.Error(err, "issue access token")
		s.writeOAuthError(w, &oauthError{status: 500, code: "server_error", desc: "could not issue a token"})
		return
	}
	s.log.V(1).Info("access token issued", "clientID", client.id, "method", client.method, "scope", scope)
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: token,
		TokenType:   "bearer",
		ExpiresIn:   int64(s.cfg.TokenTTL / time.Second),
		Scope:       scope,
	})
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

// readTokenForm reads the form-encoded body. Parameters in the URL query are
// ignored (secrets do not belong in URLs), and none may repeat (RFC 6749 §3.2).
func readTokenForm(w http.ResponseWriter, r *http.Request) (url.Values, *oauthError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &oauthError{status: 400, code: "invalid_request", desc: "the body must be application/x-www-form-urlencoded"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenRequest))
	if err != nil {
		return nil, &oauthError{status: 400, code: "invalid_request", desc: "cannot read the body (at most 64 KiB)"}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &oauthError{status: 400, code: "invalid_request", desc: "malformed form body"}
	}
	for k, v := range form {
		if len(v) > 1 {
			return nil, &oauthError{status: 400, code: "invalid_request", desc: "parameter " + k + " repeated"}
		}
	}
	return form, nil
}

func tooMany(wait time.Duration) *oauthError {
	return &oauthError{status: http.StatusTooManyRequests, code: "temporarily_unavailable",
		desc: "too many failed client authentications; retry later", retryAfter: wait}
}

// writeOAuthError sends an RFC 6749 §5.2 error. invalid_client is always 401
// with a Basic challenge: RFC 6749 requires it when Basic was tried, and for
// the other methods it does no harm and tells the client a scheme to use.
func (s *Server) writeOAuthError(w http.ResponseWriter, oe *oauthError) {
	if oe.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+s.tokenURL+`", charset="UTF-8"`)
	}
	if oe.retryAfter > 0 {
		secs := int64((oe.retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	writeJSON(w, oe.status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{oe.code, headerSafe(oe.desc)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	// RFC 6749 §5.1: token responses must not be cached anywhere.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
