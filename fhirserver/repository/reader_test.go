package repository

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestReaderAnswers(t *testing.T) {
	r, _ := newRepo(t)
	put(t, r, "Patient", "a", `{"resourceType":"Patient","name":[{"family":"Alpha"}]}`)
	v2 := put(t, r, "Patient", "a", `{"resourceType":"Patient","name":[{"family":"Alpha"}],"active":true}`)
	ctx := t.Context()

	rec, err := r.Read(ctx, "Patient", "a")
	if err != nil || rec.VersionID != v2 {
		t.Fatalf("Read = %v, %v; want version %d", rec, err, v2)
	}
	if rec, err := r.VRead(ctx, "Patient", "a", 1); err != nil || rec.VersionID != 1 {
		t.Fatalf("VRead 1 = %v, %v", rec, err)
	}
	page, err := r.History(ctx, storage.HistoryQuery{Type: "Patient", ID: "a"})
	if err != nil || len(page.Records) != 2 {
		t.Fatalf("History = %d records, %v; want 2", len(page.Records), err)
	}
	res, err := r.Search(ctx, search.Request{ResourceType: "Patient", Params: url.Values{"family": {"alpha"}}})
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("Search = %v, %v; want one match", res, err)
	}

	// What a client can get wrong is an OperationOutcome with its status.
	misses := []struct {
		name   string
		call   func() error
		status int
	}{
		{"read unknown", func() error { _, err := r.Read(ctx, "Patient", "zz"); return err }, http.StatusNotFound},
		{"vread unknown version", func() error { _, err := r.VRead(ctx, "Patient", "a", 9); return err }, http.StatusNotFound},
		{"vread version 0", func() error { _, err := r.VRead(ctx, "Patient", "a", 0); return err }, http.StatusNotFound},
		{"history of a resource that never was", func() error {
			_, err := r.History(ctx, storage.HistoryQuery{Type: "Patient", ID: "zz"})
			return err
		}, http.StatusNotFound},
		{"history with a foreign cursor", func() error {
			_, err := r.History(ctx, storage.HistoryQuery{Cursor: "not-ours"})
			return err
		}, http.StatusBadRequest},
	}
	for _, tt := range misses {
		t.Run(tt.name, func(t *testing.T) {
			oe, ok := outcome.As(tt.call())
			if !ok || oe.Status != tt.status {
				t.Errorf("error = %v, want a %d OperationOutcome", oe, tt.status)
			}
		})
	}
}
