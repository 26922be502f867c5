package pipeline

import (
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	r := &stateRecord{
		Type: "ServiceRequest", VersionID: 7, LastUpdated: time.Date(2026, 3, 1, 12, 0, 0, 500000000, time.UTC),
		Hash: "ab", Customer: "acme", Base: "https://a.example/fhir",
		Refs:   []ref{{Type: "Patient", ID: "p1", Expression: "ServiceRequest.subject"}},
		Status: StatusPending, Expression: "ServiceRequest.subject", WaitingFor: "Patient/p1", Message: "waits",
	}
	got, err := decodeRecord(encodeRecord(r))
	if err != nil {
		t.Fatal(err)
	}
	if got.decision() != r.decision() || !got.LastUpdated.Equal(r.LastUpdated) || len(got.Refs) != 1 || got.Refs[0] != r.Refs[0] || got.Type != r.Type {
		t.Fatalf("round trip %+v", got)
	}
	var none *stateRecord
	if none.decision() != (decision{}) {
		t.Fatal("an absent record has a decision")
	}
	if _, err := decodeRecord([]byte("{")); err == nil {
		t.Fatal("a broken record decodes")
	}
}
