package pipeline

import (
	"sort"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
)

// settle brings everything the batch's changes affect up to date: the
// statuses of the changed resources and of those that (transitively) point
// at them, the merge groups, the downstream ids, the outcomes, and the list
// of downstream resources to write or delete.
func (b *batch) settle() error {
	region := map[merge.Member]bool{}
	for m := range b.changed {
		region[m] = true
	}
	dec, err := b.grow(region)
	if err != nil {
		return err
	}
	members := sortedMembers(region)
	for _, m := range members {
		if r := b.recs[m]; r != nil {
			d := dec[m]
			d.Downstream = r.Downstream // decided below
			r.setDecision(d)
			b.touched[m] = true
		}
	}

	// Merge groups and copies.
	groupType := map[string]string{} // dirty group id → type
	dirtyCopies := map[merge.Member]bool{}
	regroup := func(typ string, ch merge.Change) {
		for _, id := range ch.Changed {
			groupType[id] = typ
		}
		for _, id := range ch.Gone {
			groupType[id] = typ
		}
	}
	for _, m := range members {
		r := b.recs[m]
		accepted := r != nil && r.Status == StatusAccepted
		_, grouped := b.p.groups.GroupOf(m)
		wasAccepted := b.orig[m].Status == StatusAccepted
		switch {
		case (r != nil && mergedRec(m, r)) || grouped:
			if accepted && (b.changed[m] || !wasAccepted || !grouped) {
				c, err := b.contributor(m, r)
				if err != nil {
					return err
				}
				regroup(m.Type, b.p.groups.Put(c))
			} else if !accepted && grouped {
				regroup(m.Type, b.p.groups.Remove(m))
			}
		case accepted && (b.changed[m] || !wasAccepted):
			dirtyCopies[m] = true
		case !accepted && b.orig[m].Downstream != "":
			dirtyCopies[m] = true
		}
	}

	// Downstream ids: copies keep theirs; a group's members take the
	// group's (a join or split may move members of other sources too).
	for _, m := range members {
		if r := b.recs[m]; r != nil {
			if r.Status != StatusAccepted {
				r.Downstream = ""
			} else if !mergedRec(m, r) {
				r.Downstream = r.Type + "/" + merge.CopyID(m.Source, m.Type, m.ID)
			}
		}
	}
	for _, id := range sortedKeys(groupType) {
		for _, c := range b.p.groups.Contributors(id) {
			m := c.Member()
			r, err := b.rec(m)
			if err != nil {
				return err
			}
			if r == nil {
				continue
			}
			if down := m.Type + "/" + id; r.Downstream != down {
				cp := *r
				cp.Downstream = down
				b.setRec(m, &cp)
			}
		}
	}

	// Referrers of a resource whose downstream id moved are written again.
	for _, m := range sortedMembers(b.touched) {
		was, r := b.orig[m].Downstream, b.recs[m]
		if was == "" || r == nil || r.Downstream == was || r.Status != StatusAccepted {
			continue
		}
		refs, err := b.referrersOf(m)
		if err != nil {
			return err
		}
		for _, f := range refs {
			fr, err := b.rec(f)
			if err != nil {
				return err
			}
			if fr == nil || fr.Status != StatusAccepted {
				continue
			}
			if id, ok := b.p.groups.GroupOf(f); ok {
				groupType[id] = f.Type
			} else {
				dirtyCopies[f] = true
			}
		}
	}
	if err := b.decide(); err != nil {
		return err
	}
	return b.plan(groupType, dirtyCopies)
}

// grow computes the statuses of the region, growing it by the referrers of every
// member whose status is or was anything but accepted, until no member
// outside depends on it: a referrer of a resource that stayed accepted
// keeps its status (its other targets did not change), while one of a
// resource that is or was pending or excluded may change with it — also
// through a cycle, which is why a member that stays pending still brings
// its referrers in.
func (b *batch) grow(region map[merge.Member]bool) (map[merge.Member]decision, error) {
	expanded := map[merge.Member]bool{}
	for {
		dec, err := b.region(region)
		if err != nil {
			return nil, err
		}
		var more []merge.Member
		for _, m := range sortedMembers(region) {
			if expanded[m] || (b.orig[m].Status == StatusAccepted && dec[m].Status == StatusAccepted) {
				continue
			}
			expanded[m] = true
			refs, err := b.referrersOf(m)
			if err != nil {
				return nil, err
			}
			for _, f := range refs {
				if !region[f] {
					more = append(more, f)
				}
			}
		}
		if len(more) == 0 {
			return dec, nil
		}
		for _, f := range more {
			region[f] = true
		}
	}
}

// mergedRec tells whether the member is of a merged type.
func mergedRec(m merge.Member, r *stateRecord) bool { return merge.Merged(r.Type) && r.Type == m.Type }

// contributor returns the merge contributor of an accepted member.
func (b *batch) contributor(m merge.Member, r *stateRecord) (merge.Contributor, error) {
	c, err := b.p.contributorOf(b.resources, m, r, b.parsed[m])
	return c, err
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
