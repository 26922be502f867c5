package access

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Policy is the aggregated store as seen by its readers. It is safe for
// concurrent use; a View is made per request.
type Policy struct {
	store  *storage.Store
	engine *search.Engine
	facts  factCache
}

// NewPolicy returns the policy over the aggregated store and its search
// engine (whose compartment definitions say whose data a resource is).
func NewPolicy(store *storage.Store, engine *search.Engine) *Policy {
	return &Policy{store: store, engine: engine}
}

// View is what one subject may see, for one request: a search.Visibility
// that remembers its answers (one search asks about the same resources
// many times: each clause, the count, the page, the includes).
type View struct {
	p   *Policy
	who Subject

	mu     sync.Mutex
	seen   map[string]bool // "Type/id" → visible (allocated on first use: a read asks once)
	linked map[string]bool // Patient id → linked to who.Customer
}

var _ search.Visibility = (*View)(nil)

// View returns a fresh view for who.
func (p *Policy) View(who Subject) *View {
	return &View{p: p, who: who}
}

// Visible implements search.Visibility: the current version decides, or
// for a deleted resource its last live version (so a deleted resource the
// subject never saw is a 404, not a 410). A search asks this of every
// index hit, so it reads the version's header only, and its body only
// when the version's facts are not cached yet.
func (v *View) Visible(ctx context.Context, typ, id string) (bool, error) {
	key := typ + "/" + id
	v.mu.Lock()
	ok, known := v.seen[key]
	v.mu.Unlock()
	if known {
		return ok, nil
	}
	vid, deleted, err := v.p.store.CurrentVersion(ctx, typ, id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if deleted {
		_, ok, err = v.current(ctx, typ, id)
		if err == nil {
			v.remember(key, ok)
		}
		return ok, err
	}
	f, err := v.factsOf(ctx, typ, id, vid)
	if err != nil {
		return false, err
	}
	if ok, err = v.decideFacts(ctx, f); err != nil {
		return false, err
	}
	v.remember(key, ok)
	return ok, nil
}

// current reads the current version of typ/id (a tombstone when deleted;
// nil when it never existed) and decides whether the subject sees it.
func (v *View) current(ctx context.Context, typ, id string) (*storage.Record, bool, error) {
	rec, err := v.p.store.Get(ctx, typ, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	judged := rec
	if rec.Deleted {
		if judged, err = v.lastLive(ctx, rec); err != nil || judged == nil {
			return rec, false, err
		}
	}
	ok, err := v.decide(ctx, judged)
	if err != nil {
		return nil, false, err
	}
	return rec, ok, nil
}

// remember keeps a search's answer for the rest of the request.
func (v *View) remember(key string, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]bool{}
	}
	v.seen[key] = ok
}

// VisibleVersion reports whether the subject may see one version: the
// resource must be visible now and, unless the version is a tombstone, the
// version's own content too (a version labelled then but not now stays
// hidden from a customer not granted the label).
func (v *View) VisibleVersion(ctx context.Context, rec *storage.Record) (bool, error) {
	ok, err := v.Visible(ctx, rec.Type, rec.ID)
	if err != nil || !ok || rec.Deleted {
		return ok, err
	}
	return v.decide(ctx, rec)
}

// factsOf returns the facts of one live version, reading its body only
// when they are not cached.
func (v *View) factsOf(ctx context.Context, typ, id string, vid int64) (*facts, error) {
	if f, ok := v.p.facts.lookup(typ, id, vid); ok {
		return f, nil
	}
	rec, err := v.p.store.GetVersion(ctx, typ, id, vid)
	if err != nil {
		return nil, err
	}
	return v.p.facts.get(v.p.engine, rec)
}

// decide applies the rule to one live version.
func (v *View) decide(ctx context.Context, rec *storage.Record) (bool, error) {
	f, err := v.p.facts.get(v.p.engine, rec)
	if err != nil {
		return false, err
	}
	return v.decideFacts(ctx, f)
}

func (v *View) decideFacts(ctx context.Context, f *facts) (bool, error) {
	return decide(v.who, f, func(pid string) (bool, error) { return v.isLinked(ctx, pid) })
}

// isLinked reports whether the merged Patient pid has a contributor of the
// view's customer.
func (v *View) isLinked(ctx context.Context, pid string) (bool, error) {
	v.mu.Lock()
	ok, known := v.linked[pid]
	v.mu.Unlock()
	if known {
		return ok, nil
	}
	vid, deleted, err := v.p.store.CurrentVersion(ctx, "Patient", pid)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return false, err
	case !deleted:
		f, err := v.factsOf(ctx, "Patient", pid, vid)
		if err != nil {
			return false, err
		}
		ok = slices.Contains(f.customers, v.who.Customer)
	}
	v.mu.Lock()
	if v.linked == nil {
		v.linked = map[string]bool{}
	}
	v.linked[pid] = ok
	v.mu.Unlock()
	return ok, nil
}

// lastLive returns the newest live version before a tombstone, nil when
// there is none.
func (v *View) lastLive(ctx context.Context, tomb *storage.Record) (*storage.Record, error) {
	for vid := tomb.VersionID - 1; vid > 0; vid-- {
		rec, err := v.p.store.GetVersion(ctx, tomb.Type, tomb.ID, vid)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !rec.Deleted {
			return rec, nil
		}
	}
	return nil, nil
}
