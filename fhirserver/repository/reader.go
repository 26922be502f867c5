package repository

import (
	"context"
	"errors"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Reader is every way a resource can be read. REST reads only through it,
// so an access policy that wraps a Reader (hiding resources a caller may not
// see) holds for read, vread, history and search alike, and a hidden
// resource is indistinguishable from one that never existed.
//
// Errors a client can cause are *outcome.Error: 404 for what is unknown,
// 400 for a bad cursor, 503 while the store is closed.
type Reader interface {
	// Read returns the current version of typ/id; a deleted resource
	// returns its tombstone (Record.Deleted) so the caller can answer 410.
	Read(ctx context.Context, typ, id string) (*storage.Record, error)
	// VRead returns one version; a tombstone version has Deleted set.
	VRead(ctx context.Context, typ, id string, versionID int64) (*storage.Record, error)
	// History returns one page of history, newest first: of the system (no
	// Type), of a type (no ID) or of one resource, which must have existed.
	History(ctx context.Context, q storage.HistoryQuery) (storage.HistoryPage, error)
	// Search runs one search and returns one page.
	Search(ctx context.Context, req search.Request) (*search.Result, error)
}

var _ Reader = (*Repository)(nil)

// Read implements Reader.
func (r *Repository) Read(ctx context.Context, typ, id string) (*storage.Record, error) {
	rec, err := r.store.Get(ctx, typ, id)
	if err != nil {
		return nil, StorageError(err, typ+"/"+id)
	}
	return rec, nil
}

// VRead implements Reader.
func (r *Repository) VRead(ctx context.Context, typ, id string, versionID int64) (*storage.Record, error) {
	if versionID <= 0 {
		return nil, outcome.NotFound("%s/%s has no version %d", typ, id, versionID)
	}
	rec, err := r.store.GetVersion(ctx, typ, id, versionID)
	if err != nil {
		return nil, StorageError(err, typ+"/"+id+"/_history/"+strconv.FormatInt(versionID, 10))
	}
	return rec, nil
}

// History implements Reader.
func (r *Repository) History(ctx context.Context, q storage.HistoryQuery) (storage.HistoryPage, error) {
	if q.ID != "" {
		// The history of a resource that never existed is a 404, not an
		// empty list, so that typos are visible.
		if _, err := r.Read(ctx, q.Type, q.ID); err != nil {
			return storage.HistoryPage{}, err
		}
	}
	page, err := r.store.History(ctx, q)
	if err != nil {
		return storage.HistoryPage{}, StorageError(err, "history")
	}
	return page, nil
}

// Search implements Reader. A store closing or failed under the search is
// the 503 with Retry-After that reads and writes answer, not a 500.
func (r *Repository) Search(ctx context.Context, req search.Request) (*search.Result, error) {
	res, err := r.search.Search(ctx, req)
	if errors.Is(err, storage.ErrClosed) || errors.Is(err, storage.ErrFailed) {
		return nil, StorageError(err, "the search")
	}
	return res, err
}
