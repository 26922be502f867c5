package pipeline

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/aggregator/mapping"
	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/fhirserver/validation"
)

// Indexer computes the search index entries of a downstream resource, so
// the aggregated endpoint's search engine (fhirserver/search over the same
// store) finds it. *search.Engine implements it.
type Indexer interface {
	IndexEntries(resourceType string, resource *fhirjson.Value) ([]storage.IndexEntry, error)
	// LastUpdatedEntries gives the _lastUpdated entries of an instant,
	// fixed inside the commit.
	LastUpdatedEntries(resourceType, lastUpdated string) ([]storage.IndexEntry, error)
}

// Config is what a Pipeline needs beside its store. The zero value is usable.
type Config struct {
	Logger logr.Logger
	// Indexer computes index entries; nil builds a search.Engine over the
	// store for R4 (and rebuilds the store's indexes if their definitions
	// changed, as the fhirserver does on start).
	Indexer Indexer
	// Aggregated reports whether a resource type is aggregated (see
	// rules.Config); nil means every R4 type is.
	Aggregated func(resourceType string) bool
}

// Pipeline applies the change feeds of every source to one aggregated R4
// store. Its methods are safe for concurrent use; Apply for different
// sources runs its parsing, mapping and rules in parallel and serialises
// the rest.
type Pipeline struct {
	store     *storage.Store
	cfg       Config
	log       logr.Logger
	mapper    *mapping.Mapper
	validator *validation.Validator
	index     Indexer
	reindex   storage.Reindexer // every downstream write's (search.Reindexer of index)

	cursors, versions *storage.AppMeta
	state, resources  *storage.AppMeta
	referrers, outbox *storage.AppMeta
	counts            *storage.AppMeta
	reset, seen       *storage.AppMeta
	epochs            *storage.AppMeta

	checkers sync.Map // source base → *rules.Checker

	// mu guards the merge groups. It is taken inside the store's write
	// section (Pipeline.write), which already serialises the batches;
	// the mutex makes that explicit for the race detector and for reads.
	mu sync.Mutex
	// groups are the merge groups of every accepted contributor of a
	// merged type, rebuilt from the store by Open (and after a batch that
	// failed, which may have left them ahead of the store). Guarded by mu.
	groups *merge.Groups
	stale  bool
	// epoch is the pipeline's commit count the groups follow (see sync).
	epoch uint64

	// pendingMu guards pending: the pages of Apply calls waiting for the
	// write section, which the next batch takes together (group.go).
	pendingMu sync.Mutex
	pending   []*pendingApply
}

// Open builds the pipeline over the aggregator's R4 store (opened by the
// caller, ClaimFHIRVersion "R4") and rebuilds its merge groups from it.
func Open(ctx context.Context, store *storage.Store, cfg Config) (*Pipeline, error) {
	p := &Pipeline{store: store, cfg: cfg, log: cfg.Logger, mapper: mapping.New(), index: cfg.Indexer}
	var err error
	if p.validator, err = validation.For(defs.R4); err != nil {
		return nil, fmt.Errorf("pipeline: R4 validator: %w", err)
	}
	if p.index == nil {
		engine, err := search.NewEngine(defs.R4, store, search.Options{})
		if err != nil {
			return nil, fmt.Errorf("pipeline: search engine: %w", err)
		}
		if _, err := engine.EnsureIndexes(ctx); err != nil {
			return nil, fmt.Errorf("pipeline: rebuild search indexes: %w", err)
		}
		p.index = engine
	}
	p.reindex = search.Reindexer(p.index)
	for _, ns := range []struct {
		m    **storage.AppMeta
		name string
	}{
		{&p.cursors, storage.AppMetaFollowCursors}, {&p.versions, storage.AppMetaSourceVersions},
		{&p.state, nsState}, {&p.resources, nsResource}, {&p.referrers, nsReferrers},
		{&p.outbox, nsOutbox}, {&p.counts, nsCounts}, {&p.reset, nsReset}, {&p.seen, nsSeen},
		{&p.epochs, nsEpoch},
	} {
		if *ns.m, err = store.AppMeta(ns.name); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	p.stale = true
	if err := p.sync(); err != nil {
		return nil, err
	}
	p.log.Info("pipeline state loaded", "mergeGroups", len(p.groups.IDs()), "commits", p.epoch,
		"took", time.Since(start).Round(time.Millisecond))
	return p, nil
}

// loadGroups rebuilds the merge groups from the accepted contributors of
// merged types in the store. The ids depend on the groups' contents only,
// so the order of the scan does not matter.
// REQUIRES: p.mu held inside the store's write section, or p not yet shared.
func (p *Pipeline) loadGroups() error {
	p.groups = merge.NewGroups()
	after := ""
	for {
		recs, err := p.state.Scan("", after, 1000, time.Time{})
		if err != nil {
			return fmt.Errorf("pipeline: load state: %w", err)
		}
		for _, r := range recs {
			m, err := parseMemberKey(r.Key)
			if err != nil {
				return err
			}
			rec, err := decodeRecord(r.Data)
			if err != nil {
				return err
			}
			if rec.Status != StatusAccepted || !merge.Merged(rec.Type) {
				continue
			}
			c, err := p.contributorOf(newView(p.resources), m, rec, nil)
			if err != nil {
				return err
			}
			p.groups.Put(c)
		}
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].Key
	}
	return nil
}

// contributorOf builds the merge contributor of a passing record; res is
// its checked resource when the caller has it parsed already (nil: read it).
func (p *Pipeline) contributorOf(resources *view, m merge.Member, rec *stateRecord, res *fhirjson.Value) (merge.Contributor, error) {
	if res == nil {
		data, ok, err := resources.get(memberKey(m))
		if err != nil {
			return merge.Contributor{}, err
		}
		if !ok {
			return merge.Contributor{}, fmt.Errorf("pipeline: %s/%s of %s passed the rules but its resource is missing", m.Type, m.ID, m.Source)
		}
		if res, err = fhirjson.Parse(data); err != nil {
			return merge.Contributor{}, fmt.Errorf("pipeline: stored %s/%s of %s: %w", m.Type, m.ID, m.Source, err)
		}
	}
	return merge.Contributor{
		Source: m.Source, Customer: rec.Customer, Base: rec.Base,
		Type: m.Type, ID: m.ID, VersionID: strconv.FormatInt(rec.VersionID, 10),
		LastUpdated: rec.LastUpdated, Resource: res,
	}, nil
}

// checker returns the rules checker of a source base (Checkers hold no
// state, so one per base is shared).
func (p *Pipeline) checker(base string) *rules.Checker {
	if c, ok := p.checkers.Load(base); ok {
		return c.(*rules.Checker)
	}
	c, _ := p.checkers.LoadOrStore(base, rules.New(rules.Config{SourceBase: base, Aggregated: p.cfg.Aggregated}))
	return c.(*rules.Checker)
}

// Cursor is the source's stored change-feed cursor ("" = start of the feed).
func (p *Pipeline) Cursor(source string) (string, error) {
	data, ok, err := p.cursors.Get(source, time.Time{})
	if err != nil || !ok {
		return "", err
	}
	return string(data), nil
}
