package repository

import (
	"errors"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Config is what a Repository is built from.
type Config struct {
	Store *storage.Store
	// Searcher evaluates searches and conditional matches and computes index
	// entries; wrap it to put a search.Policy in every call's context.
	Searcher Searcher
}

// Repository reads and writes the resources of one store. It holds no state
// of its own beyond its configuration, so any number may share a store.
type Repository struct {
	store  *storage.Store
	search Searcher
}

// New builds a repository.
func New(cfg Config) (*Repository, error) {
	if cfg.Store == nil || cfg.Searcher == nil {
		return nil, errors.New("repository: Store and Searcher are required")
	}
	return &Repository{store: cfg.Store, search: cfg.Searcher}, nil
}
