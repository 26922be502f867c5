package search

import (
	"context"
	"fmt"
	"hash/crc32"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Fingerprint identifies the index this engine writes: the version's search
// parameters, this package's entry layouts and the server's base URL (a
// reference to the server's own base is indexed as a local one). A store
// whose entries were written under another fingerprint must be re-indexed
// before search — and before a write, which derives the entries of the
// version it supersedes again (Reindexer) and must derive what was written.
func (e *Engine) Fingerprint() string {
	return fmt.Sprintf("%s%08x", e.reg.fingerprint(), crc32.ChecksumIEEE([]byte(e.refs().base)))
}

// EnsureIndexes re-indexes every live resource when the store's index was
// written under another fingerprint (new definitions, new encoding, or an
// interrupted rebuild); the server calls it on start before serving. The
// store logs progress. It reports whether a rebuild ran.
func (e *Engine) EnsureIndexes(ctx context.Context) (bool, error) {
	if e.store.IndexFingerprint() == e.Fingerprint() {
		return false, nil
	}
	err := e.store.RebuildIndexes(ctx, e.Fingerprint(), Reindexer(e))
	if err != nil {
		return false, fmt.Errorf("search: rebuild indexes: %w", err)
	}
	return true, nil
}

// EntryIndexer computes a resource's index entries: the Engine, or a seam
// over it (the repository's Searcher, the aggregator's Indexer).
type EntryIndexer interface {
	IndexEntries(resourceType string, resource *fhirjson.Value) ([]storage.IndexEntry, error)
}

// Reindexer returns the storage.Reindexer of writes whose entries ix
// computed: a stored version's entries — those its write gave it, the
// stamped _lastUpdated included — derived again from its JSON. Every write
// passes it (storage.Put.Reindex), so a store keeps no list of each
// version's entries, and index rebuilds use it to index every resource;
// TestReindexerGivesTheWrittenEntries holds it to the entries a write
// computes over every official example.
func Reindexer(ix EntryIndexer) storage.Reindexer {
	return func(rec *storage.Record) ([]storage.IndexEntry, error) {
		res, err := fhirjson.Parse(rec.JSON)
		if err != nil {
			return nil, fmt.Errorf("reindex %s/%s: %w", rec.Type, rec.ID, err)
		}
		return ix.IndexEntries(rec.Type, res)
	}
}
