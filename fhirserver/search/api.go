package search

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Request is one search as the REST layer received it.
type Request struct {
	// ResourceType is the type searched; "" for a system-level search.
	ResourceType string
	// Types is _type of a system search (already split on commas).
	Types []string
	// Compartment restricts the search to a compartment (/Patient/1/Observation).
	Compartment *CompartmentRef
	// Params are the search parameters, merged from the GET query and a POST form.
	Params url.Values
	// Strict is Prefer: handling=strict: unknown parameters are a 400 instead of ignored.
	Strict bool
	// Cursor is the opaque cursor of a next/previous link ("" for the first page).
	Cursor string
}

// CompartmentRef names one compartment instance, e.g. Patient/123.
type CompartmentRef struct {
	Type string
	ID   string
}

// Entry is one resource of a result page.
type Entry struct {
	Record *storage.Record
	// Mode is "match" or "include" (Bundle.entry.search.mode).
	Mode string
}

// Result is one page of a search.
type Result struct {
	Entries []Entry
	// Total is the number of matches, or -1 when not computed (_total=none).
	Total int
	// Next and Prev are opaque cursors for the neighbouring pages ("" when none).
	Next, Prev string
	// Self are the parameters actually used (unknown ones left out), for the self link.
	Self url.Values
	// Warnings are issues worth reporting in the Bundle (e.g. ignored parameters).
	Warnings []outcome.Issue
	// SummaryCount is true for _summary=count: Entries is empty and only Total matters.
	SummaryCount bool
}

// Options tune an Engine.
type Options struct {
	// BaseURL is the server's FHIR base (e.g. http://localhost:8080/fhir);
	// references starting with it are indexed as relative references.
	BaseURL string
	// DefaultCount and MaxCount bound _count (defaults 20 and 1000).
	DefaultCount, MaxCount int
	// MaxIncludes bounds the resources added by _include/_revinclude per page (default 1000).
	MaxIncludes int
	// Now is the clock `ap` measures from; tests set it. Default time.Now.
	Now func() time.Time
}

// Engine is the search engine of one store and one FHIR version. It is safe
// for concurrent use; everything in it is read-only after NewEngine.
type Engine struct {
	v     *defs.Version
	store *storage.Store
	opts  Options
	reg   *registry
}

// NewEngine returns an engine over store. It compiles a resource type's
// SearchParameter expressions the first time that type is searched or
// written, once for the life of the engine.
func NewEngine(v *defs.Version, store *storage.Store, opts Options) (*Engine, error) {
	if opts.DefaultCount <= 0 {
		opts.DefaultCount = 20
	}
	if opts.MaxCount <= 0 {
		opts.MaxCount = 1000
	}
	if opts.MaxIncludes <= 0 {
		opts.MaxIncludes = 1000
	}
	return &Engine{v: v, store: store, opts: opts, reg: newRegistry(v)}, nil
}

// IndexEntries returns the index entries of resource, to be written in the
// same batch as the resource itself: every parameter of resourceType
// evaluated over it (index.go).
func (e *Engine) IndexEntries(resourceType string, resource *fhirjson.Value) ([]storage.IndexEntry, error) {
	params := e.reg.params(resourceType)
	if params == nil {
		return nil, fmt.Errorf("search: unknown resource type %q", resourceType)
	}
	r := e.indexing(resource)
	// Sized for most resources' entries: over the R4 examples the median
	// is 20, three quarters have at most 29 and nine tenths at most 41
	// (since index format 13), so a larger resource grows it once or
	// twice.
	out := make([]storage.IndexEntry, 0, 32)
	for code, p := range params {
		out = e.paramEntries(out, code, p, r)
	}
	return out, nil
}

// ParamEntries returns the index entries of one parameter of resource, as
// IndexEntries writes them, without evaluating the others: the write path
// indexes _lastUpdated this way inside the serial write section, where its
// value is fixed. A parameter that writes no entries of its own (read from
// another's key, or a union of others) gives none; an unknown one is an error.
func (e *Engine) ParamEntries(resourceType, code string, resource *fhirjson.Value) ([]storage.IndexEntry, error) {
	p, err := e.lookupParam(resourceType, code)
	if err != nil {
		return nil, err
	}
	return e.paramEntries(nil, code, p, e.indexing(resource)), nil
}

// lookupParam returns resourceType's parameter code, or an error naming
// the unknown type or parameter.
func (e *Engine) lookupParam(resourceType, code string) (*param, error) {
	params := e.reg.params(resourceType)
	if params == nil {
		return nil, fmt.Errorf("search: unknown resource type %q", resourceType)
	}
	p := params[code]
	if p == nil {
		return nil, fmt.Errorf("search: %s has no search parameter %q", resourceType, code)
	}
	return p, nil
}

// LastUpdatedEntries returns the _lastUpdated entries of a version of
// resourceType stamped with lastUpdated (a FHIR instant), as ParamEntries
// over the stamped resource gives them — the parameter's expression is
// meta.lastUpdated in every version — without building an evaluator for
// it: the write path calls it inside the serial write section.
func (e *Engine) LastUpdatedEntries(resourceType, lastUpdated string) ([]storage.IndexEntry, error) {
	const code = "_lastUpdated"
	p, err := e.lookupParam(resourceType, code)
	if err != nil {
		return nil, err
	}
	if p.typ != "date" {
		return nil, fmt.Errorf("search: %s's %s is a %s parameter, not a date", resourceType, code, p.typ)
	}
	sortable, own := p.ownEntries(code)
	if !own {
		return nil, nil
	}
	v := dateValues([]item{{typ: "instant", v: fhirjson.NewString(lastUpdated)}})
	return appendEntries(nil, code, v, sortable, p.parts == nil), nil
}

// Search runs one search and returns one page, read from one state of the
// store (storage.View): its index runs, counts, includes and records all
// see the same writes, so an update made meanwhile cannot hide a resource
// that matches before and after it.
func (e *Engine) Search(ctx context.Context, req Request) (*Result, error) {
	v, err := e.store.View()
	if err != nil {
		return nil, err
	}
	defer v.Close()
	return e.search(ctx, v, req)
}

// Supports reports whether a search on resourceType evaluates the parameter
// code (rather than ignoring it as unknown, or refusing it under
// handling=strict), so the CapabilityStatement lists only what works.
//
// It reads the definitions only and compiles nothing: the
// CapabilityStatement asks it of every parameter of every type, and
// compiling them all would keep ~1.5 MB resident in every server an
// aggregator has once asked for /metadata.
func (e *Engine) Supports(resourceType, code string) bool {
	sp := e.v.SearchParam(resourceType, code)
	if sp == nil || !hasIndexedExpression(sp) {
		return e.v.Name == "STU3" && resourceType == "Location" && code == nearDistanceParam && e.Supports(resourceType, nearParam)
	}
	switch sp.Type {
	case "string", "token", "reference", "uri", "composite", "date", "number", "quantity":
		return true
	}
	return isNear(&param{def: sp, code: sp.Code})
}

// Match returns the ids of resourceType matching query, reading inside the
// serial write section tx (conditional create, update and delete).
func (e *Engine) Match(ctx context.Context, tx *storage.Tx, resourceType string, query url.Values) ([]string, error) {
	return e.match(ctx, tx, resourceType, query)
}
