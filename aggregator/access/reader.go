package access

import (
	"context"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Wrap returns r as the request's Subject (access.WithSubject) may see it:
// the rest handler's Config.ReadPolicy. A hidden resource reads, vreads
// and has history exactly like a missing one (the same 404); searches run
// with the subject's View as the engine's Visibility; history pages hold
// only visible versions and are filled up to their count from the pages
// after them. A request without a Subject reads nothing (401): a wiring
// mistake fails closed.
func (p *Policy) Wrap(r repository.Reader) repository.Reader { return policed{p: p, r: r} }

type policed struct {
	p *Policy
	r repository.Reader
}

func (pr policed) view(ctx context.Context) (*View, error) {
	who, ok := SubjectFrom(ctx)
	if !ok {
		return nil, outcome.New(401, outcome.CodeLogin, "", "no reader: the access token names neither a customer nor a patient")
	}
	return pr.p.View(who), nil
}

func (pr policed) Read(ctx context.Context, typ, id string) (*storage.Record, error) {
	v, err := pr.view(ctx)
	if err != nil {
		return nil, err
	}
	// The version the decision read is the answer: reading it again
	// through r would cost a second store read for the same record.
	rec, ok, err := v.current(ctx, typ, id)
	if err != nil || !ok {
		return nil, hiddenErr(err, typ+"/"+id)
	}
	return rec, nil
}

func (pr policed) VRead(ctx context.Context, typ, id string, versionID int64) (*storage.Record, error) {
	v, err := pr.view(ctx)
	if err != nil {
		return nil, err
	}
	what := typ + "/" + id + "/_history/" + strconv.FormatInt(versionID, 10)
	if ok, err := v.Visible(ctx, typ, id); err != nil || !ok {
		return nil, hiddenErr(err, what)
	}
	rec, err := pr.r.VRead(ctx, typ, id, versionID)
	if err != nil {
		return nil, err
	}
	if ok, err := v.VisibleVersion(ctx, rec); err != nil || !ok {
		return nil, hiddenErr(err, what)
	}
	return rec, nil
}

// History keeps the visible versions. A page asks the store for as many
// versions as it still lacks, so every version it reads is either kept or
// hidden and the next page starts right after the last one read: no page
// is short while more follow, and none is skipped.
func (pr policed) History(ctx context.Context, q storage.HistoryQuery) (storage.HistoryPage, error) {
	v, err := pr.view(ctx)
	if err != nil {
		return storage.HistoryPage{}, err
	}
	if q.ID != "" {
		if ok, err := v.Visible(ctx, q.Type, q.ID); err != nil || !ok {
			return storage.HistoryPage{}, hiddenErr(err, q.Type+"/"+q.ID)
		}
	}
	want := q.Count
	if want <= 0 {
		want = storage.DefaultHistoryCount
	}
	var out storage.HistoryPage
	for {
		qq := q
		qq.Count = want - len(out.Records)
		page, err := pr.r.History(ctx, qq)
		if err != nil {
			return storage.HistoryPage{}, err
		}
		for _, rec := range page.Records {
			ok, err := v.VisibleVersion(ctx, rec)
			if err != nil {
				return storage.HistoryPage{}, err
			}
			if ok {
				out.Records = append(out.Records, rec)
			}
		}
		out.Next, q.Cursor = page.Next, page.Next
		if page.Next == "" || len(out.Records) >= want {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return storage.HistoryPage{}, err
		}
	}
}

func (pr policed) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	v, err := pr.view(ctx)
	if err != nil {
		return nil, err
	}
	return pr.r.Search(search.WithVisibility(ctx, v), req)
}

// hiddenErr is the error of a missing resource, or err (as the
// repository answers it) when deciding failed.
func hiddenErr(err error, what string) error {
	if err != nil {
		return repository.StorageError(err, what)
	}
	return repository.StorageError(storage.ErrNotFound, what)
}
