package registration

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestGenerateInvitations: an eligible patient gets a token, a code and
// the expiry; each refusal says why; the store holds the token's hash
// only.
func TestGenerateInvitations(t *testing.T) {
	w := newWorld(t)
	w.patient("ok", "acme", "9000000001", `"birthDate":"1980-02-03"`)
	w.patient("dead", "acme", "9000000002", `"birthDate":"1980-01-01","deceasedDateTime":"2020-01-01"`)
	w.patient("nobirth", "acme", "9000000003")
	w.patient("child", "acme", "9000000004", `"birthDate":"2010-06-02"`) // 16 tomorrow
	w.patient("reg", "acme", "9000000005", `"birthDate":"1980-01-01"`)
	w.patient("other", "beta", "9000000006", `"birthDate":"1980-01-01"`)
	w.patient("year", "acme", "9000000007", `"birthDate":"2010"`) // may be under 16
	if err := w.svc.Register(context.Background(), "9000000005", "reg"); err != nil {
		t.Fatal(err)
	}
	out, err := w.svc.generateInvitations(as("acme"), idParams("patientIdentifier", nhsSystem,
		"9000000001", "9000000002", "9000000003", "9000000004", "9000000005", "9000000006", "9000000007"))
	if err != nil {
		t.Fatal(err)
	}
	got := parts(t, out)
	wantReason := []string{"", ReasonDeceased, ReasonNoBirth, ReasonUnder16, ReasonRegistered, ReasonUnknown, ReasonUnder16}
	for i, reason := range wantReason {
		g := got[i]
		if reason == "" {
			if len(g["token"]) < 40 || len(g["code"]) != 10 || g["outcome"] != "" {
				t.Errorf("patient %d: %v, want a token and a code", i, g)
			}
			if want := `"` + w.clock().Add(DefaultInvitationTTL).Format(time.RFC3339) + `"`; g["expiry"] != want {
				t.Errorf("expiry %s, want %s", g["expiry"], want)
			}
			continue
		}
		if g["token"] != "" || !strings.Contains(g["outcome"], `"diagnostics":"`+reason+":") {
			t.Errorf("patient %d: %v, want refused for %s", i, g, reason)
		}
	}
	token := strings.Trim(got[0]["token"], `"`)
	recs, err := w.svc.invites.Scan("", "", 100, w.clock())
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d invitations stored (%v), want 1", len(recs), err)
	}
	if recs[0].Key != tokenKey(token) || strings.Contains(string(recs[0].Data), token) {
		t.Errorf("stored %s → %s: want the token's hash as key and the token nowhere", recs[0].Key, recs[0].Data)
	}
}
