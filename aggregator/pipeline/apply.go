package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Applied is what one Apply decided.
type Applied struct {
	// Outcomes decided in this Apply, for this source and for other
	// sources' resources whose outcome changed as a consequence (pending →
	// accepted, a new downstream id after groups joined).
	Outcomes []Outcome
}

// Apply applies one page of a source's change feed and stores next as the
// source's cursor, all in one storage.Write. For each change: map (stu3
// sources), check the rules, validate, then merge or copy with references
// rewritten; a change at or below the version already applied for that
// resource is a replay and does nothing. Parsing, mapping, rules and
// validation run before the pipeline's mutex is taken, so pages of
// different sources overlap there.
func (p *Pipeline) Apply(ctx context.Context, src source.Spec, stu3 bool, changes []changefeed.Change, next string) (Applied, error) {
	if src.Name == "" {
		return Applied{}, fmt.Errorf("pipeline: a source needs a name")
	}
	checker := p.checker(src.Base)
	preps := make([]prepared, len(changes))
	for i, ch := range changes {
		if p.replayed(src.Name, ch) {
			preps[i] = prepared{ch: ch, member: memberOf(src.Name, ch), skip: true}
			continue
		}
		preps[i] = p.prepare(src, checker, stu3, ch)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fresh(); err != nil {
		return Applied{}, err
	}
	b := p.newBatch()
	resetting, err := b.resetting(src.Name)
	if err != nil {
		return Applied{}, err
	}
	for i, prep := range preps {
		if prep.skip && resetting {
			// A Reset came between the look without the lock and now: a
			// replay may have to be applied after all.
			prep = p.prepare(src, checker, stu3, changes[i])
		}
		if err := b.change(prep, resetting); err != nil {
			return Applied{}, p.fail(err)
		}
	}
	b.cursors.put(src.Name, []byte(next))
	if err := b.settle(); err != nil {
		return Applied{}, p.fail(err)
	}
	if err := b.commit(ctx); err != nil {
		return Applied{}, p.fail(err)
	}
	return Applied{Outcomes: b.outcomes}, nil
}

// replayed tells, without the lock, whether a change is certainly a replay
// (a version at or below the one applied), to skip preparing it. Apply
// checks again under the lock; pages of one source are applied in order,
// so the answer cannot go stale in between for a plain replay.
func (p *Pipeline) replayed(source string, ch changefeed.Change) bool {
	key, err := storage.SourceVersionKey(source, ch.Type, ch.ID)
	if err != nil {
		return false
	}
	data, ok, err := p.versions.Get(key, time.Time{})
	if err != nil || !ok {
		return false
	}
	v, err := storage.DecodeSourceVersion(data)
	return err == nil && v.VersionID >= ch.VersionID
}

// fresh reloads the merge groups when a failed commit left them ahead of
// the store. REQUIRES: p.mu held.
func (p *Pipeline) fresh() error {
	if !p.stale {
		return nil
	}
	return p.loadGroups()
}

// fail marks the in-memory groups stale: the batch may have changed them
// and its commit did not happen. REQUIRES: p.mu held.
func (p *Pipeline) fail(err error) error {
	p.stale = true
	return err
}

// resetting reports whether the source is replaying after a Reset.
func (b *batch) resetting(source string) (bool, error) {
	_, ok, err := b.reset.get(source)
	return ok, err
}

// change applies one prepared change to the batch's state.
func (b *batch) change(prep prepared, resetting bool) error {
	m := prep.member
	key, err := storage.SourceVersionKey(m.Source, m.Type, m.ID)
	if err != nil {
		return fmt.Errorf("pipeline: change %s/%s: %w", m.Type, m.ID, err)
	}
	if resetting {
		b.seen.put(memberKey(m), nil)
	}
	old, err := b.rec(m)
	if err != nil {
		return err
	}
	data, ok, err := b.versions.get(key)
	if err != nil {
		return err
	}
	if ok {
		sv, err := storage.DecodeSourceVersion(data)
		if err != nil {
			return fmt.Errorf("pipeline: source version of %s/%s: %w", m.Type, m.ID, err)
		}
		if b.isReplay(sv, old, prep, resetting) {
			return nil
		}
	}
	if prep.skip {
		// Judged a replay without the lock; the versions say otherwise,
		// which only a concurrent Apply of the same source could cause.
		return fmt.Errorf("pipeline: %s/%s of %s: pages of one source applied concurrently", m.Type, m.ID, m.Source)
	}
	ch := prep.ch
	b.versions.put(key, storage.EncodeSourceVersion(storage.SourceVersion{
		VersionID: ch.VersionID, LastUpdated: ch.LastUpdated, Deleted: ch.Op == changefeed.OpDelete}))
	b.replace(m, old, prep)
	return nil
}

// replace puts prep's record (nil: none) in place of the member's old one.
func (b *batch) replace(m merge.Member, old *stateRecord, prep prepared) {
	b.linkRefs(m, old, false)
	b.changed[m] = true
	if prep.rec == nil {
		b.setRec(m, nil)
		b.resources.del(memberKey(m))
		delete(b.parsed, m)
		return
	}
	rec := *prep.rec
	b.setRec(m, &rec)
	b.linkRefs(m, &rec, true)
	if prep.res != nil {
		b.resources.put(memberKey(m), prep.resJSON)
		b.parsed[m] = prep.res
	} else {
		b.resources.del(memberKey(m))
		delete(b.parsed, m)
	}
}

// isReplay: outside a Reset, any version at or below the one applied; while
// replaying after a Reset (the source may have been wiped and numbers its
// versions anew), only the very version applied with the same content.
func (b *batch) isReplay(sv storage.SourceVersion, old *stateRecord, prep prepared, resetting bool) bool {
	if !resetting {
		return sv.VersionID >= prep.ch.VersionID
	}
	if sv.VersionID != prep.ch.VersionID {
		return false
	}
	if prep.rec == nil {
		return sv.Deleted
	}
	return !sv.Deleted && old != nil && old.Hash == prep.rec.Hash
}
