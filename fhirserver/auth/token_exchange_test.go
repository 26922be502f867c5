package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// fakeExchanger grants a patient token for subject_token "good", refuses
// "bad" with invalid_grant and fails "broken".
type fakeExchanger struct{}

func (fakeExchanger) Exchange(_ context.Context, form url.Values) (ExchangeGrant, error) {
	switch form.Get("subject_token") {
	case "good":
		return ExchangeGrant{Subject: "patient:9000000009", Patient: "P1", Scope: "patient/*.read"}, nil
	case "bad":
		return ExchangeGrant{}, &GrantError{Code: "invalid_grant", Description: "no record for this NHS number"}
	}
	return ExchangeGrant{}, errors.New("disk on fire")
}

// TestTokenExchange: the server answers an exchange with a token in the
// patient's context that it verifies back (patient claim, patient/ scope
// allowing reads), passes a GrantError on as its OAuth error, hides other
// errors as server_error, and refuses the grant when not configured.
func TestTokenExchange(t *testing.T) {
	clock := newFakeClock()
	e := newTestEndpointWith(t, clock, func(c *Config) { c.Exchange = fakeExchanger{} })
	form := func(tok string) url.Values {
		return url.Values{"grant_type": {GrantTypeTokenExchange}, "subject_token": {tok}, "subject_token_type": {TokenTypeIDToken}}
	}
	r := postToken(t, e, form("good"), "", "")
	if r.status != http.StatusOK || r.str("patient") != "P1" || r.str("scope") != "patient/*.read" || r.str("issued_token_type") != TokenTypeAccessToken {
		t.Fatalf("exchange: %d %v", r.status, r.body)
	}
	p, err := e.srv.VerifyToken(r.str("access_token"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Patient != "P1" || p.Allow(InteractionRead, "Observation") != nil || p.Allow(InteractionCreate, "Observation") == nil {
		t.Errorf("principal %+v: want patient P1 allowed to read, not to create", p)
	}
	if r := postToken(t, e, form("bad"), "", ""); r.status != 400 || r.str("error") != "invalid_grant" || !strings.Contains(r.str("error_description"), "NHS number") {
		t.Errorf("refused exchange: %d %v", r.status, r.body)
	}
	if r := postToken(t, e, form("broken"), "", ""); r.status != 500 || r.str("error") != "server_error" || strings.Contains(r.str("error_description"), "fire") {
		t.Errorf("failed exchange: %d %v", r.status, r.body)
	}
	plain := newTestEndpointWith(t, clock)
	if r := postToken(t, plain, form("good"), "", ""); r.status != 400 || r.str("error") != "unsupported_grant_type" {
		t.Errorf("exchange without an Exchanger: %d %v", r.status, r.body)
	}
	// A patient/ scope in a token without a patient claim is not accepted.
	if _, err := ParseScopes("patient/*.read"); !errors.Is(err, ErrContextScope) {
		t.Errorf("patient scope without context: %v", err)
	}
}

func newTestEndpointWith(t *testing.T, clock *fakeClock, opts ...func(*Config)) *testEndpoint {
	t.Helper()
	c := newCredSet(t, "acme")
	dir := t.TempDir()
	c.writeFiles(t, dir)
	return startEndpoint(t, c, dir, clock, opts...)
}
