package registration

import (
	"context"
	"strings"
	"testing"
)

// invite gives the acme patient with the NHS number an invitation and
// returns its code and token.
func (w *world) invite(nhs string) (code, token string) {
	w.t.Helper()
	out, err := w.svc.generateInvitations(as("acme"), idParams("patientIdentifier", nhsSystem, nhs))
	if err != nil {
		w.t.Fatal(err)
	}
	g := parts(w.t, out)[0]
	if g["token"] == "" {
		w.t.Fatalf("no invitation: %v", g)
	}
	return strings.Trim(g["code"], `"`), strings.Trim(g["token"], `"`)
}

// TestRedeem: the invited patient registers once; the token is spent; a
// wrong code, another patient or an expired invitation is refused and
// registers no one.
func TestRedeem(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.patient("p1", "acme", "9000000001", `"birthDate":"1980-02-03"`)
	w.patient("p2", "acme", "9000000002", `"birthDate":"1980-02-03"`)
	code, token := w.invite("9000000001")
	if err := w.svc.Redeem(ctx, "WRONGCOD", token, "9000000001", "p1"); statusOf(err) != 404 {
		t.Errorf("wrong code: %v, want 404", err)
	}
	if err := w.svc.Redeem(ctx, code, token, "9000000002", "p2"); statusOf(err) != 403 {
		t.Errorf("another patient: %v, want 403", err)
	}
	if _, reg, _ := w.svc.registeredAt("9000000002"); reg {
		t.Error("a refused redemption registered the other patient")
	}
	if err := w.svc.Redeem(ctx, code, token, "9000000001", "p1"); err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if at, reg, err := w.svc.registeredAt("9000000001"); !reg || err != nil || !at.Equal(w.clock()) {
		t.Errorf("registered %v at %v (%v), want true at %v", reg, at, err, w.clock())
	}
	if err := w.svc.Redeem(ctx, code, token, "9000000001", "p1"); statusOf(err) != 409 {
		t.Errorf("second use: %v, want 409", err)
	}
	code2, token2 := w.invite("9000000002")
	w.advance(DefaultInvitationTTL + 1)
	if err := w.svc.Redeem(ctx, code2, token2, "9000000002", "p2"); statusOf(err) != 404 {
		t.Errorf("expired: %v, want 404", err)
	}
}
