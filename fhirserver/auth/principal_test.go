package auth

import (
	"context"
	"net/http"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestPrincipalAllow(t *testing.T) {
	all := []Interaction{InteractionCreate, InteractionRead, InteractionVRead, InteractionUpdate, InteractionPatch,
		InteractionDelete, InteractionSearch, InteractionHistory, InteractionChangeFeed, InteractionCapabilities}
	cases := []struct {
		scope   string
		typ     string
		allowed []Interaction // the rest must be refused
	}{
		{"system/*.cruds", "Patient", all},
		{"system/*.*", "Patient", all},
		{"system/*.cruds", "", all},
		{"system/*.rs", "Patient", []Interaction{InteractionRead, InteractionVRead, InteractionSearch, InteractionHistory, InteractionChangeFeed, InteractionCapabilities}},
		{"system/*.read", "", []Interaction{InteractionRead, InteractionVRead, InteractionSearch, InteractionHistory, InteractionChangeFeed, InteractionCapabilities}},
		{"system/*.write", "Patient", []Interaction{InteractionCreate, InteractionUpdate, InteractionPatch, InteractionDelete, InteractionCapabilities}},
		{"system/Patient.c", "Patient", []Interaction{InteractionCreate, InteractionCapabilities}},
		{"system/Patient.r", "Patient", []Interaction{InteractionRead, InteractionVRead, InteractionHistory, InteractionCapabilities}},
		{"system/Patient.u", "Patient", []Interaction{InteractionUpdate, InteractionPatch, InteractionCapabilities}},
		{"system/Patient.d", "Patient", []Interaction{InteractionDelete, InteractionCapabilities}},
		{"system/Patient.s", "Patient", []Interaction{InteractionSearch, InteractionCapabilities}},
		{"system/Patient.cruds", "Observation", []Interaction{InteractionCapabilities}},
		// A per-type scope never covers the whole system (system search, change feed).
		{"system/Patient.cruds", "", []Interaction{InteractionCapabilities}},
		{"system/Patient.rs system/Observation.c", "Observation", []Interaction{InteractionCreate, InteractionCapabilities}},
	}
	for _, tc := range cases {
		p, err := NewPrincipal("client", tc.scope)
		if err != nil {
			t.Fatal(err)
		}
		allowed := map[Interaction]bool{}
		for _, i := range tc.allowed {
			allowed[i] = true
		}
		for _, i := range all {
			t.Run(tc.scope+" "+i.String()+" "+tc.typ, func(t *testing.T) {
				err := p.Allow(i, tc.typ)
				if allowed[i] {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				oe, ok := outcome.As(err)
				if !ok || oe.Status != http.StatusForbidden || oe.Issues[0].Code != outcome.CodeForbidden {
					t.Fatalf("want a 403 forbidden outcome, got %v", err)
				}
			})
		}
	}
}

func TestPrincipalBuiltByHand(t *testing.T) {
	p := &Principal{ClientID: "x", Scopes: []string{"system/Patient.rs", "bogus"}}
	if err := p.Allow(InteractionRead, "Patient"); err != nil {
		t.Fatal(err)
	}
	if err := p.Allow(InteractionCreate, "Patient"); err == nil {
		t.Fatal("create allowed")
	}
	var nilP *Principal
	if oe, ok := outcome.As(nilP.Allow(InteractionRead, "Patient")); !ok || oe.Status != 401 {
		t.Fatalf("nil principal: %v", oe)
	}
	if err := nilP.Allow(InteractionCapabilities, ""); err != nil {
		t.Fatal(err)
	}
}

func TestPrincipalContext(t *testing.T) {
	if _, ok := PrincipalFrom(context.Background()); ok {
		t.Fatal("principal in an empty context")
	}
	p := &Principal{ClientID: "c"}
	got, ok := PrincipalFrom(WithPrincipal(context.Background(), p))
	if !ok || got != p {
		t.Fatal("principal lost")
	}
}

// TestAggregatorCannotWrite drives a real aggregator token through Allow.
func TestAggregatorCannotWrite(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	p, err := e.srv.VerifyToken(e.token(t, e.creds.aggID, e.creds.aggSecret, ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []Interaction{InteractionCreate, InteractionUpdate, InteractionPatch, InteractionDelete} {
		if err := p.Allow(i, "Patient"); err == nil {
			t.Errorf("aggregator may %s", i)
		}
	}
	for _, i := range []Interaction{InteractionRead, InteractionVRead, InteractionSearch, InteractionHistory} {
		if err := p.Allow(i, "Patient"); err != nil {
			t.Errorf("aggregator may not %s: %v", i, err)
		}
	}
	if err := p.Allow(InteractionChangeFeed, ""); err != nil {
		t.Errorf("aggregator may not follow the change feed: %v", err)
	}
}
