package access

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Policy is the aggregated store as seen by its readers. It is safe for
// concurrent use; a View is made per request.
type Policy struct {
	store  *storage.Store
	engine *search.Engine
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
	seen   map[string]bool // "Type/id" → visible
	linked map[string]bool // Patient id → linked to who.Customer
}

var _ search.Visibility = (*View)(nil)

// View returns a fresh view for who.
func (p *Policy) View(who Subject) *View {
	return &View{p: p, who: who, seen: map[string]bool{}, linked: map[string]bool{}}
}

// Visible implements search.Visibility: the current version decides, or
// for a deleted resource its last live version (so a deleted resource the
// subject never saw is a 404, not a 410).
func (v *View) Visible(ctx context.Context, typ, id string) (bool, error) {
	key := typ + "/" + id
	v.mu.Lock()
	ok, known := v.seen[key]
	v.mu.Unlock()
	if known {
		return ok, nil
	}
	rec, err := v.p.store.Get(ctx, typ, id)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if rec.Deleted {
		if rec, err = v.lastLive(ctx, rec); err != nil || rec == nil {
			return false, err
		}
	}
	ok, err = v.decide(ctx, rec)
	if err != nil {
		return false, err
	}
	v.mu.Lock()
	v.seen[key] = ok
	v.mu.Unlock()
	return ok, nil
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

// decide applies the rule to one live version.
func (v *View) decide(ctx context.Context, rec *storage.Record) (bool, error) {
	res, err := fhirjson.Parse(rec.JSON)
	if err != nil {
		return false, fmt.Errorf("access: parse %s/%s: %w", rec.Type, rec.ID, err)
	}
	owners := v.p.engine.CompartmentOwners("Patient", rec.Type, res)
	return decide(v.who, res, owners, func(pid string) (bool, error) { return v.isLinked(ctx, pid) })
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
	rec, err := v.p.store.Get(ctx, "Patient", pid)
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return false, err
	case !rec.Deleted:
		res, err := fhirjson.Parse(rec.JSON)
		if err != nil {
			return false, fmt.Errorf("access: parse Patient/%s: %w", pid, err)
		}
		ok = linkedTo(res, v.who.Customer)
	}
	v.mu.Lock()
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
