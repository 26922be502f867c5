package access

import (
	"context"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestWrap: without a subject nothing is read (401); a hidden resource is
// the 404 of a missing one for read, vread and history; history pages
// fill up from the versions after them.
func TestWrap(t *testing.T) {
	s := newSmall(t)
	for i := range 4 { // more versions of beta's condition, hidden from acme
		s.put(t, "Condition", "c-beta", `{"resourceType":"Condition","subject":{"reference":"Patient/p-beta"},"note":[{"text":"v`+string(rune('0'+i))+`"}]}`)
	}
	r := s.pol.Wrap(s.repo)
	ctx := context.Background()
	if _, err := r.Read(ctx, "Patient", "p-acme"); !isStatus(err, 401) {
		t.Errorf("read without a subject: %v, want 401", err)
	}
	ctx = WithSubject(ctx, Subject{Customer: "acme"})
	_, hidden := r.Read(ctx, "Condition", "c-beta")
	_, missing := s.repo.Read(ctx, "Condition", "c-none")
	if !isStatus(hidden, 404) || !isStatus(missing, 404) {
		t.Errorf("hidden read %v, missing read %v: want both 404", hidden, missing)
	}
	if _, err := r.VRead(ctx, "Condition", "c-beta", 1); !isStatus(err, 404) {
		t.Errorf("hidden vread: %v", err)
	}
	if _, err := r.History(ctx, storage.HistoryQuery{Type: "Condition", ID: "c-beta"}); !isStatus(err, 404) {
		t.Errorf("hidden history: %v", err)
	}
	// System history, one per page: acme's two resources, each on a full
	// page, though beta's versions lie between them.
	var got []string
	q := storage.HistoryQuery{Count: 1}
	for range 10 {
		page, err := r.History(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range page.Records {
			got = append(got, rec.Type+"/"+rec.ID)
		}
		if page.Next != "" && len(page.Records) != 1 {
			t.Errorf("a short page before the last: %d", len(page.Records))
		}
		if q.Cursor = page.Next; q.Cursor == "" {
			break
		}
	}
	if len(got) != 2 || got[0] != "Condition/c-acme" || got[1] != "Patient/p-acme" {
		t.Errorf("history %v, want acme's condition then patient", got)
	}
}

func isStatus(err error, status int) bool {
	oe, ok := outcome.As(err)
	return ok && oe.Status == status
}
