package repository

import (
	"errors"
	"testing"
)

// TestTransaction: placeholders and conditional references resolve to the
// ids the transaction writes or finds, and an entry's fault names it.
func TestTransaction(t *testing.T) {
	r, _ := newRepo(t)
	put(t, r, "Practitioner", "doc", `{"resourceType":"Practitioner","identifier":[{"system":"urn:d","value":"7"}]}`)
	pat := &TxItem{Index: 0, FullURL: "urn:uuid:p", Write: &Write{Action: ActionCreate, Type: "Patient",
		Resource: parse(t, r, `{"resourceType":"Patient","generalPractitioner":[{"reference":"Practitioner?identifier=urn:d|7"}]}`)}}
	obs := &TxItem{Index: 1, Write: &Write{Action: ActionCreate, Type: "Observation",
		Resource: parse(t, r, `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:p"}}`)}}
	if err := r.Transaction(t.Context(), []*TxItem{obs, pat}); err != nil {
		t.Fatal(err)
	}
	if pat.Result.Effect != EffectCreated || obs.Result.Effect != EffectCreated {
		t.Fatalf("effects %v, %v", pat.Result.Effect, obs.Result.Effect)
	}
	if got := mustParse(t, string(obs.Result.Rec.JSON)).Get("subject").Str("reference"); got != "Patient/"+pat.Result.Rec.ID {
		t.Errorf("subject = %q, want Patient/%s", got, pat.Result.Rec.ID)
	}
	if got := mustParse(t, string(pat.Result.Rec.JSON)).Get("generalPractitioner").Items[0].Str("reference"); got != "Practitioner/doc" {
		t.Errorf("generalPractitioner = %q, want Practitioner/doc", got)
	}

	faults := []struct {
		name  string
		items []*TxItem
		index int
	}{
		{"one resource changed twice", []*TxItem{
			{Index: 0, Write: &Write{Action: ActionUpdate, Type: "Patient", ID: "a", Resource: parse(t, r, `{"resourceType":"Patient"}`)}},
			{Index: 1, Write: &Write{Action: ActionDelete, Type: "Patient", ID: "a"}},
		}, 0},
		{"conditional reference to no one", []*TxItem{
			{Index: 3, Write: &Write{Action: ActionCreate, Type: "Patient",
				Resource: parse(t, r, `{"resourceType":"Patient","generalPractitioner":[{"reference":"Practitioner?identifier=urn:d|8"}]}`)}},
		}, 3},
	}
	for _, tt := range faults {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Transaction(t.Context(), tt.items)
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Index != tt.index {
				t.Fatalf("error %v, want one naming entry %d", err, tt.index)
			}
		})
	}
}
