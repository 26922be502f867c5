package registration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestJoinHandler: the join page links to the issuer's authorization
// request carrying the invitation in state; the callback registers the
// verified patient and spends the invitation; a refused ID token, a bad
// state and a second use register no one.
func TestJoinHandler(t *testing.T) {
	w := newWorld(t)
	w.patient("p1", "acme", "9000000001", `"birthDate":"1980-02-03"`)
	code, token := w.invite("9000000001")
	verify := func(_ context.Context, idToken string) (string, string, error) {
		if idToken != "good" {
			return "", "", errors.New("the ID token's signature does not verify")
		}
		return "9000000001", "p1", nil
	}
	srv := httptest.NewServer(w.svc.JoinHandler(verify))
	t.Cleanup(srv.Close)
	get := func(q string) (int, string) {
		res, err := http.Get(srv.URL + "/join?" + q)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(form url.Values) (int, string) {
		res, err := http.PostForm(srv.URL+"/join/callback", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	st, body := get(url.Values{"t1": {code}, "t2": {token}, "e": {"a@example.org"}}.Encode())
	wantLink := "http://issuer.test/authorize?"
	if st != 200 || !strings.Contains(body, wantLink) || !strings.Contains(body, "state="+url.QueryEscape(code+"."+token)) ||
		!strings.Contains(body, "login_hint=a%40example.org") {
		t.Fatalf("join page: %d %s", st, body)
	}
	if st, _ := get("t1=" + code + "&t2=nope"); st != 404 {
		t.Errorf("unknown token: %d, want 404", st)
	}
	if st, _ := get("t1=" + code); st != 400 {
		t.Errorf("no token: %d, want 400", st)
	}
	state := code + "." + token
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"bad ID token", url.Values{"id_token": {"forged"}, "state": {state}}, 401},
		{"no state", url.Values{"id_token": {"good"}}, 400},
		{"issuer error", url.Values{"error": {"access_denied"}, "state": {state}}, 400},
		{"registers", url.Values{"id_token": {"good"}, "state": {state}}, 200},
		{"spent", url.Values{"id_token": {"good"}, "state": {state}}, 409},
	} {
		if _, reg, _ := w.svc.registeredAt("9000000001"); reg != (tc.name == "spent") {
			t.Errorf("before %s: registered %v", tc.name, reg)
		}
		if st, body := post(tc.form); st != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, st, body, tc.status)
		}
	}
	if st, _ := get(url.Values{"t1": {code}, "t2": {token}}.Encode()); st != 409 {
		t.Errorf("join page of a spent invitation: %d, want 409", st)
	}
}
