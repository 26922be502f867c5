package repository

import (
	"context"
	"net/url"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Searcher is the seam to the search engine (package search implements it).
type Searcher interface {
	// IndexEntries returns the search index entries of a resource (id set,
	// meta.lastUpdated not yet known); they go to storage in the same write.
	IndexEntries(resourceType string, resource *fhirjson.Value) ([]storage.IndexEntry, error)
	// LastUpdatedEntries returns the _lastUpdated entries of a version
	// stamped with lastUpdated (an instant), as IndexEntries gives them
	// for a resource with that meta.lastUpdated: inside the serial section.
	LastUpdatedEntries(resourceType, lastUpdated string) ([]storage.IndexEntry, error)
	// Search runs one search and returns one page.
	Search(ctx context.Context, req search.Request) (*search.Result, error)
	// Match evaluates a conditional query (If-None-Exist, conditional
	// update/delete/patch, conditional references in transactions) inside the
	// storage's serial write section, so a conditional create is race-free.
	// It returns the ids of the matching live resources.
	Match(ctx context.Context, tx *storage.Tx, resourceType string, query url.Values) ([]string, error)
}
