package registration

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Verifier checks a patient's OpenID Connect ID token exactly as the
// endpoint's token exchange does and names the patient it is for
// (endpoint.(*Endpoint).VerifyPatient).
type Verifier func(ctx context.Context, idToken string) (nhsNumber, patientID string, err error)

// maxJoinForm bounds the callback's form (an ID token and a state).
const maxJoinForm = 64 << 10

var joinPage = template.Must(template.New("join").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Link}}<p><a href="{{.Link}}">Sign in to accept the invitation</a></p>{{end}}
</body></html>
`))

type page struct{ Title, Text, Link string }

func writePage(w http.ResponseWriter, status int, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL carries the token
	w.WriteHeader(status)
	_ = joinPage.Execute(w, p)
}

// JoinHandler serves the join URL: GET <join base>?t1=<code>&t2=<token>&e=<email>
// checks the invitation and answers a plain HTML page whose link sends the
// patient to the OpenID issuer's <issuer>/authorize (response_type
// id_token, response_mode form_post, redirect_uri <join base>/callback,
// state "<code>.<token>"); the issuer returns the patient to
// <join base>/callback with id_token and state (POSTed, or in the query),
// which verify checks and Redeem registers. Mount it at the join base's
// path and the path below it.
func (s *Service) JoinHandler(verify Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/callback") {
			s.joinCallback(w, r, verify)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writePage(w, http.StatusMethodNotAllowed, page{Title: "Not allowed", Text: "Open the join link with GET."})
			return
		}
		if s.cfg.PatientIssuer == "" {
			writePage(w, http.StatusServiceUnavailable, page{Title: "Unavailable", Text: "Patient sign-in is not configured on this aggregator."})
			return
		}
		q := r.URL.Query()
		code, token := q.Get("t1"), q.Get("t2")
		if code == "" || token == "" {
			writePage(w, http.StatusBadRequest, page{Title: "Incomplete link", Text: "The link lacks its t1 (code) or t2 (token): copy the whole link from the invitation."})
			return
		}
		if _, err := s.invitationFor(code, token); err != nil {
			failPage(w, err)
			return
		}
		writePage(w, http.StatusOK, page{Title: "Join", Link: s.authorizeURL(code, token, q.Get("e")),
			Text: "You have been invited to see your health record. Sign in with your NHS login to accept."})
	})
}

// authorizeURL is the OpenID Connect authorization request for the join.
func (s *Service) authorizeURL(code, token, email string) string {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	v := url.Values{
		"response_type": {"id_token"}, "response_mode": {"form_post"}, "scope": {"openid"},
		"client_id": {s.cfg.PatientAudience}, "redirect_uri": {s.cfg.JoinBaseURL + "/callback"},
		"state": {code + "." + token}, "nonce": {base64.RawURLEncoding.EncodeToString(nonce)},
	}
	if email != "" {
		v.Set("login_hint", email)
	}
	return strings.TrimRight(s.cfg.PatientIssuer, "/") + "/authorize?" + v.Encode()
}

// joinCallback registers the patient the issuer sent back.
func (s *Service) joinCallback(w http.ResponseWriter, r *http.Request, verify Verifier) {
	r.Body = http.MaxBytesReader(w, r.Body, maxJoinForm)
	if err := r.ParseForm(); err != nil {
		writePage(w, http.StatusBadRequest, page{Title: "Bad request", Text: "The sign-in answer could not be read: " + err.Error()})
		return
	}
	if e := r.Form.Get("error"); e != "" {
		writePage(w, http.StatusBadRequest, page{Title: "Not signed in", Text: "The sign-in did not complete: " + e})
		return
	}
	code, token, ok := strings.Cut(r.Form.Get("state"), ".")
	idToken := r.Form.Get("id_token")
	if !ok || code == "" || token == "" || idToken == "" {
		writePage(w, http.StatusBadRequest, page{Title: "Bad request", Text: "The sign-in answer lacks its id_token or state."})
		return
	}
	if verify == nil {
		writePage(w, http.StatusServiceUnavailable, page{Title: "Unavailable", Text: "Patient sign-in is not configured on this aggregator."})
		return
	}
	nhs, pid, err := verify(r.Context(), idToken)
	if err != nil {
		writePage(w, http.StatusUnauthorized, page{Title: "Sign-in refused", Text: err.Error()})
		return
	}
	if err := s.Redeem(r.Context(), code, token, nhs, pid); err != nil {
		failPage(w, err)
		return
	}
	writePage(w, http.StatusOK, page{Title: "Registered", Text: "You are registered: sign in with your NHS login to see your record."})
}

// failPage answers an error as a page: an outcome's status and text, or a
// 500 for anything else (logged by the caller).
func failPage(w http.ResponseWriter, err error) {
	var oe *outcome.Error
	if errors.As(err, &oe) {
		writePage(w, oe.Status, page{Title: "Invitation not accepted", Text: oe.Issues[0].Diagnostics})
		return
	}
	writePage(w, http.StatusInternalServerError, page{Title: "Error", Text: "The invitation could not be checked; try again later."})
}
