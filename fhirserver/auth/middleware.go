package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Authenticate verifies the request's bearer token. Errors are *TokenError.
func (s *Server) Authenticate(r *http.Request) (*Principal, error) {
	h := r.Header.Values("Authorization")
	if len(h) == 0 {
		return nil, ErrNoToken
	}
	if len(h) > 1 {
		return nil, tokenErr("more than one Authorization header")
	}
	scheme, tok, ok := strings.Cut(h[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, tokenErr("the Authorization header is not a Bearer token")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return nil, ErrNoToken
	}
	return s.VerifyToken(tok)
}

// Public reports whether a request needs no token: the CapabilityStatement
// and SMART discovery, which a client reads before it has one.
func Public(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	return (strings.HasSuffix(p, "/metadata") && strings.Count(p, "/") <= 2) ||
		strings.HasSuffix(p, "/.well-known/smart-configuration")
}

// Middleware lets through requests with a valid bearer token, with the
// Principal in the request context (PrincipalFrom), and the public requests
// (see Public) without one; everything else gets 401 with an
// OperationOutcome. Scope checks per interaction stay with the caller
// (Principal.Allow), since only it knows the interaction.
func (s *Server) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Public(r) {
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.Authenticate(r)
		if err != nil {
			s.log.V(1).Info("access token refused", "remote", r.RemoteAddr, "path", r.URL.Path, "reason", err.Error())
			if r.ContentLength != 0 {
				refuseBody(w)
			}
			WriteUnauthorized(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

// refuseBody makes sure a body the request declared is never waited for.
// net/http would otherwise read up to 256 KB of it, to reuse the
// connection: before sending the answer, and again after the handler
// returns, with no deadline, so a client that declares a body without a
// token and withholds it would hold the connection, and delay a shutdown,
// without ever having had a token. Closing the connection at once costs a
// client with a bad token one reconnect.
func refuseBody(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// WriteUnauthorized answers 401 per RFC 6750 §3 with an OperationOutcome body.
func WriteUnauthorized(w http.ResponseWriter, err error) {
	desc := "invalid access token"
	code := outcome.CodeLogin
	var te *TokenError
	if errors.As(err, &te) {
		desc = te.Description
		if te.Expired {
			code = outcome.CodeExpired
		}
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, headerSafe(desc)))
	writeOutcome(w, outcome.New(http.StatusUnauthorized, code, "", "%s", desc))
}

// headerSafe keeps a description within the characters RFC 6750 allows in
// error_description (printable ASCII without '"' and '\').
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return ' '
		}
		return r
	}, s)
}
