package pipeline

import (
	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// batch is the work of one Apply (or Reset, CaughtUp, Forget, Ack) inside
// the store's write section (Pipeline.write): it reads the committed state
// through views, stages every change in them and in the downstream writes,
// and stage turns all of it into the one Pebble batch of that Write.
type batch struct {
	p *Pipeline

	cursors, versions, state, resources, referrers, outbox, counts, reset, seen, epoch *view

	// recs are the state records as the batch sees them (nil: absent);
	// orig their decisions when the batch began.
	recs map[merge.Member]*stateRecord
	orig map[merge.Member]decision
	// parsed holds the checked resources staged by this batch, so a
	// contributor need not be parsed again.
	parsed map[merge.Member]*fhirjson.Value
	// changed are the members whose upstream version this batch applied.
	changed map[merge.Member]bool
	// touched are the members whose decision may have changed.
	touched map[merge.Member]bool

	outcomes []Outcome
	puts     []downPut
	deletes  []downRef
	// luEntries are the _lastUpdated index entries of the instant luFor
	// (the batch's commit time; see lastUpdatedEntries).
	luEntries []storage.IndexEntry
	luFor     string
}

func (p *Pipeline) newBatch() *batch {
	return &batch{
		p:       p,
		cursors: newView(p.cursors), versions: newView(p.versions), state: newView(p.state),
		resources: newView(p.resources), referrers: newView(p.referrers), outbox: newView(p.outbox),
		counts: newView(p.counts), reset: newView(p.reset), seen: newView(p.seen), epoch: newView(p.epochs),
		recs: map[merge.Member]*stateRecord{}, orig: map[merge.Member]decision{},
		parsed: map[merge.Member]*fhirjson.Value{}, changed: map[merge.Member]bool{}, touched: map[merge.Member]bool{},
	}
}

// rec returns the member's state record as the batch sees it (nil: none).
// The batch owns the record: change it through setRec.
func (b *batch) rec(m merge.Member) (*stateRecord, error) {
	if r, ok := b.recs[m]; ok {
		return r, nil
	}
	data, ok, err := b.state.get(memberKey(m))
	if err != nil {
		return nil, err
	}
	var r *stateRecord
	if ok {
		if r, err = decodeRecord(data); err != nil {
			return nil, err
		}
	}
	b.recs[m] = r
	b.orig[m] = r.decision()
	return r, nil
}

// setRec replaces the member's record (nil removes it).
func (b *batch) setRec(m merge.Member, r *stateRecord) {
	if _, ok := b.orig[m]; !ok {
		// Callers read before they write; keep orig complete anyway.
		_, _ = b.rec(m)
	}
	b.recs[m] = r
	b.touched[m] = true
}

// referrersOf returns the members that point at target.
func (b *batch) referrersOf(target merge.Member) ([]merge.Member, error) {
	prefix := referrerPrefix(target)
	keys, err := b.referrers.keys(prefix)
	if err != nil {
		return nil, err
	}
	out := make([]merge.Member, 0, len(keys))
	for _, k := range keys {
		rest := k[len(prefix):]
		for i := 0; i < len(rest); i++ {
			if rest[i] == 0 {
				out = append(out, merge.Member{Source: target.Source, Type: rest[:i], ID: rest[i+1:]})
				break
			}
		}
	}
	return out, nil
}

// linkRefs adds (add true) or removes the reverse references of a passing
// record.
func (b *batch) linkRefs(m merge.Member, r *stateRecord, add bool) {
	if r == nil || r.Violation != nil {
		return
	}
	for _, t := range r.Refs {
		k := referrerKey(merge.Member{Source: m.Source, Type: t.Type, ID: t.ID}, m)
		if add {
			b.referrers.put(k, nil)
		} else {
			b.referrers.del(k)
		}
	}
}
