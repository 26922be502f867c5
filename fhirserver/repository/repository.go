package repository

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/fhirserver/validation"
)

// Defaults for the Config limits.
const (
	DefaultMaxDepth = 64
	// DefaultMaxElements passes any resource seen in practice (a
	// 10,000-entry Bundle has about 70,000 elements of its own) and bounds
	// one resource's tree to about 16 MB.
	DefaultMaxElements = 200_000
)

// Config is what a Repository is built from.
type Config struct {
	Version *defs.Version
	Store   *storage.Store
	// Searcher evaluates searches and conditional matches and computes index
	// entries; wrap it to put a search.Policy in every call's context.
	Searcher Searcher
	// MaxDepth and MaxElements bound every body parsed (nesting depth, and
	// elements of one resource: 413 above); zero takes the defaults.
	MaxDepth    int
	MaxElements int
	// Authorize is asked when a write turns out to need a permission its
	// caller could not check beforehand: an update of an id that never
	// existed creates it, and needs create. nil allows everything.
	Authorize func(ctx context.Context, in auth.Interaction, resourceType string) error
}

// Repository reads and writes the resources of one store. It holds no state
// of its own beyond its configuration, so any number may share a store.
type Repository struct {
	ver         *defs.Version
	store       *storage.Store
	search      Searcher
	reindex     storage.Reindexer // every write's: the store keeps no index lists
	validator   *validation.Validator
	types       map[string]bool
	maxDepth    int
	maxElements int
	authorize   func(ctx context.Context, in auth.Interaction, resourceType string) error
}

// New builds a repository.
func New(cfg Config) (*Repository, error) {
	if cfg.Version == nil || cfg.Store == nil || cfg.Searcher == nil {
		return nil, errors.New("repository: Version, Store and Searcher are required")
	}
	r := &Repository{
		ver: cfg.Version, store: cfg.Store, search: cfg.Searcher, types: map[string]bool{},
		maxDepth:    cmp.Or(max(cfg.MaxDepth, 0), DefaultMaxDepth),
		maxElements: cmp.Or(max(cfg.MaxElements, 0), DefaultMaxElements),
		authorize:   cfg.Authorize,
		reindex:     search.Reindexer(cfg.Searcher),
	}
	var err error
	if r.validator, err = validation.For(r.ver); err != nil {
		return nil, fmt.Errorf("repository: validation rules of %s: %w", r.ver.Name, err)
	}
	for _, t := range r.ver.ResourceTypes() {
		r.types[t] = true
	}
	return r, nil
}

// IsType reports whether typ is a resource type of the repository's version.
func (r *Repository) IsType(typ string) bool { return r.types[typ] }

// Version is the FHIR version the repository validates against.
func (r *Repository) Version() *defs.Version { return r.ver }

// allow asks Config.Authorize, when set.
func (r *Repository) allow(ctx context.Context, in auth.Interaction, typ string) error {
	if r.authorize == nil {
		return nil
	}
	return r.authorize(ctx, in, typ)
}
