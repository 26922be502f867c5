package search

import (
	"context"
	"fmt"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Fingerprint identifies the index this engine writes: the version's search
// parameters and this package's entry layouts. A store whose entries were
// written under another fingerprint must be re-indexed before search.
func (e *Engine) Fingerprint() string { return e.reg.fingerprint() }

// EnsureIndexes re-indexes every live resource when the store's index was
// written under another fingerprint (new definitions, new encoding, or an
// interrupted rebuild); the server calls it on start before serving. The
// store logs progress. It reports whether a rebuild ran.
func (e *Engine) EnsureIndexes(ctx context.Context) (bool, error) {
	if e.store.IndexFingerprint() == e.Fingerprint() {
		return false, nil
	}
	err := e.store.RebuildIndexes(ctx, e.Fingerprint(), func(rec *storage.Record) ([]storage.IndexEntry, error) {
		res, err := fhirjson.Parse(rec.JSON)
		if err != nil {
			return nil, fmt.Errorf("reindex %s/%s: %w", rec.Type, rec.ID, err)
		}
		return e.IndexEntries(rec.Type, res)
	})
	if err != nil {
		return false, fmt.Errorf("search: rebuild indexes: %w", err)
	}
	return true, nil
}
