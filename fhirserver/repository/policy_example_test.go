package repository

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// hiding is an access policy over a Reader: the resources it names do not
// exist for its caller, whichever way they are read. A real visibility
// filter (by customer, label or patient compartment) decides per record the
// same way; it should also plug into search.Policy so that the search
// planner filters before paging, where this example only drops entries
// from the page it was given.
type hiding struct {
	Reader
	hidden map[string]bool // "Type/id"
}

func (p hiding) visible(rec *storage.Record) bool { return !p.hidden[rec.Type+"/"+rec.ID] }

func (p hiding) Read(ctx context.Context, typ, id string) (*storage.Record, error) {
	rec, err := p.Reader.Read(ctx, typ, id)
	if err == nil && !p.visible(rec) {
		return nil, outcome.NotFound("%s/%s is not known", typ, id)
	}
	return rec, err
}

func (p hiding) VRead(ctx context.Context, typ, id string, vid int64) (*storage.Record, error) {
	rec, err := p.Reader.VRead(ctx, typ, id, vid)
	if err == nil && !p.visible(rec) {
		return nil, outcome.NotFound("%s/%s is not known", typ, id)
	}
	return rec, err
}

func (p hiding) History(ctx context.Context, q storage.HistoryQuery) (storage.HistoryPage, error) {
	if q.ID != "" && p.hidden[q.Type+"/"+q.ID] {
		return storage.HistoryPage{}, outcome.NotFound("%s/%s is not known", q.Type, q.ID)
	}
	page, err := p.Reader.History(ctx, q)
	page.Records = slices.DeleteFunc(page.Records, func(r *storage.Record) bool { return !p.visible(r) })
	return page, err
}

func (p hiding) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	res, err := p.Reader.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	res.Entries = slices.DeleteFunc(res.Entries, func(e search.Entry) bool { return e.Record != nil && !p.visible(e.Record) })
	return res, nil
}

// TestPolicyHidesEverywhere: once wrapped, a hidden resource is a 404 to
// read, vread and instance history, and absent from type and system
// history and from search, while the others read as before.
func TestPolicyHidesEverywhere(t *testing.T) {
	repo, _ := newRepo(t)
	shown, secret := "shown", "secret"
	for _, id := range []string{shown, secret} {
		put(t, repo, "Patient", id, `{"resourceType":"Patient","name":[{"family":"Same"}]}`)
	}
	var r Reader = hiding{Reader: repo, hidden: map[string]bool{"Patient/" + secret: true}}
	ctx := t.Context()

	notFound := func(what string, err error) {
		t.Helper()
		if oe, ok := outcome.As(err); !ok || oe.Status != 404 {
			t.Errorf("%s of the hidden resource: %v, want 404", what, err)
		}
	}
	_, err := r.Read(ctx, "Patient", secret)
	notFound("read", err)
	_, err = r.VRead(ctx, "Patient", secret, 1)
	notFound("vread", err)
	_, err = r.History(ctx, storage.HistoryQuery{Type: "Patient", ID: secret})
	notFound("instance history", err)
	if _, err := r.Read(ctx, "Patient", shown); err != nil {
		t.Errorf("read of a visible resource: %v", err)
	}
	for _, q := range []storage.HistoryQuery{{Type: "Patient"}, {}} {
		page, err := r.History(ctx, q)
		if err != nil || len(page.Records) != 1 || page.Records[0].ID != shown {
			t.Errorf("history %+v = %d records, %v; want only %s", q, len(page.Records), err, shown)
		}
	}
	res, err := r.Search(ctx, search.Request{ResourceType: "Patient", Params: url.Values{"family": {"same"}}})
	if err != nil || len(res.Entries) != 1 || res.Entries[0].Record.ID != shown {
		t.Errorf("search = %v, %v; want only %s", res, err, shown)
	}
}
