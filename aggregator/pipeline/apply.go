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
	// accepted, a new downstream id after groups joined). When the page
	// shared its batch with other sources' pages (commitApply), each
	// outcome of the batch is in the Applied of exactly one of them.
	Outcomes []Outcome
}

// Apply applies one page of a source's change feed and stores next as the
// source's cursor, all in one storage.Write. For each change: map (stu3
// sources), check the rules, validate, then merge or copy with references
// rewritten; a change at or below the version already applied for that
// resource is a replay and does nothing. Parsing, mapping, rules and
// validation run before the store's write section, so pages of
// different sources overlap there; pages of other sources that wait for
// the write section meanwhile may share the batch (commitApply).
//
// REQUIRES: the pages of one source are applied in feed order, one at a
// time (the follower's loop per source); Apply for different sources may
// run concurrently.
func (p *Pipeline) Apply(ctx context.Context, src source.Spec, stu3 bool, changes []changefeed.Change, next string) (Applied, error) {
	if src.Name == "" {
		return Applied{}, fmt.Errorf("pipeline: a source needs a name")
	}
	page := p.page(src, stu3, changes, next)
	if err := p.commitApply(ctx, page); err != nil {
		return Applied{}, err
	}
	return Applied{Outcomes: page.outcomes}, nil
}

// page prepares every change of a page that is no plain replay (the work
// done without any lock) and returns the page ready for commitApply.
func (p *Pipeline) page(src source.Spec, stu3 bool, changes []changefeed.Change, next string) *pendingApply {
	checker := p.checker(src.Base)
	// While a Reset's replay runs, a replay is judged by its content too,
	// so every change is prepared.
	_, resetting, _ := p.reset.Get(src.Name, time.Time{})
	preps := make([]prepared, len(changes))
	for i, ch := range changes {
		if !resetting && p.replayed(src.Name, ch) {
			preps[i] = prepared{ch: ch, member: memberOf(src.Name, ch), skip: true}
			continue
		}
		preps[i] = p.prepare(src, checker, stu3, ch)
	}
	page := &pendingApply{source: src.Name, done: make(chan struct{})}
	page.stage = func(b *batch) error {
		resetting, err := b.resetting(src.Name)
		if err != nil {
			return err
		}
		for i, prep := range preps {
			if prep.skip {
				// Judged a replay before the write section; a Reset or Forget
				// that came in between may have made it none.
				replay, err := b.replay(prep, resetting)
				if err != nil {
					return err
				}
				if !replay {
					prep = p.prepare(src, checker, stu3, changes[i])
				}
			}
			if err := b.change(prep, resetting); err != nil {
				return err
			}
		}
		b.cursors.put(src.Name, []byte(next))
		return nil
	}
	return page
}

// replayed tells, before the write section, whether a change is certainly a replay
// (a version at or below the one applied), to skip preparing it. Apply
// checks again inside it; pages of one source are applied in order,
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
	if replay, err := b.replay(prep, resetting); err != nil || replay {
		return err
	}
	old, err := b.rec(m)
	if err != nil {
		return err
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

// replay tells whether the change was applied already: outside a Reset,
// any version at or below the one applied; while replaying after a Reset
// (the source may have been wiped and numbers its versions anew), only the
// very version applied, with the same content.
func (b *batch) replay(prep prepared, resetting bool) (bool, error) {
	m := prep.member
	key, err := storage.SourceVersionKey(m.Source, m.Type, m.ID)
	if err != nil {
		return false, fmt.Errorf("pipeline: change %s/%s: %w", m.Type, m.ID, err)
	}
	data, ok, err := b.versions.get(key)
	if err != nil || !ok {
		return false, err
	}
	sv, err := storage.DecodeSourceVersion(data)
	if err != nil {
		return false, fmt.Errorf("pipeline: source version of %s/%s: %w", m.Type, m.ID, err)
	}
	if !resetting {
		return sv.VersionID >= prep.ch.VersionID, nil
	}
	if prep.skip || sv.VersionID != prep.ch.VersionID {
		// skip: not prepared, so the content cannot be compared; Apply
		// prepares it and asks again.
		return false, nil
	}
	if prep.ch.Op == changefeed.OpDelete {
		return sv.Deleted, nil
	}
	old, err := b.rec(m)
	if err != nil {
		return false, err
	}
	return !sv.Deleted && old != nil && prep.rec != nil && old.Hash == prep.rec.Hash, nil
}
