package pipeline

import (
	"sort"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
)

// The status of a resource is a function of the state records of its
// source alone (references never cross sources), whatever the order the
// changes came in:
//
//   - excluded when it breaks a rule itself, or when a resource it points
//     at is excluded (transitively);
//   - otherwise pending when a resource it points at is absent (not arrived,
//     or deleted) or pending (transitively);
//   - otherwise accepted.
//
// Both sets are least fixpoints, so a cycle of resources that point at one
// another is accepted once nothing outside it holds it back. That makes a
// replay, a restart or a different page size give the same result.

// region computes the statuses of the members of the region afresh, taking those of
// every other member as they are. settle grows the region until every member outside
// it is known not to depend on it.
func (b *batch) region(region map[merge.Member]bool) (map[merge.Member]decision, error) {
	members := sortedMembers(region)
	// status of a member outside the region, as committed ("" = absent)
	outside := func(t merge.Member) (string, error) {
		r, err := b.rec(t)
		if err != nil || r == nil {
			return "", err
		}
		return r.Status, nil
	}
	target := func(m merge.Member, t ref) merge.Member {
		return merge.Member{Source: m.Source, Type: t.Type, ID: t.ID}
	}
	inS := map[merge.Member][]merge.Member{} // target in the region → its referrers there
	excluded := map[merge.Member]bool{}
	pending := map[merge.Member]bool{}
	var queue []merge.Member
	for _, m := range members {
		r, err := b.rec(m)
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		if r.Violation != nil {
			excluded[m] = true
			queue = append(queue, m)
			continue
		}
		for _, t := range r.Refs {
			tm := target(m, t)
			if region[tm] {
				inS[tm] = append(inS[tm], m)
				continue
			}
			st, err := outside(tm)
			if err != nil {
				return nil, err
			}
			if st == StatusExcluded && !excluded[m] {
				excluded[m] = true
				queue = append(queue, m)
			}
		}
	}
	spread(queue, inS, excluded, nil)
	queue = queue[:0]
	for _, m := range members {
		r := b.recs[m]
		if r == nil || excluded[m] {
			continue
		}
		for _, t := range r.Refs {
			tm := target(m, t)
			var st string
			if region[tm] {
				if b.recs[tm] == nil {
					st = ""
				} else {
					continue // decided by the spread below
				}
			} else {
				var err error
				if st, err = outside(tm); err != nil {
					return nil, err
				}
			}
			if st == "" || st == StatusPending {
				pending[m] = true
				queue = append(queue, m)
				break
			}
		}
	}
	spread(queue, inS, pending, excluded)

	// The reasons: the first reference, in document order, at fault.
	status := func(t merge.Member) string {
		if region[t] {
			switch {
			case b.recs[t] == nil:
				return ""
			case excluded[t]:
				return StatusExcluded
			case pending[t]:
				return StatusPending
			}
			return StatusAccepted
		}
		st, _ := outside(t) // read above already
		return st
	}
	out := make(map[merge.Member]decision, len(members))
	for _, m := range members {
		r := b.recs[m]
		if r == nil {
			continue
		}
		switch {
		case r.Violation != nil:
			out[m] = decision{Status: StatusExcluded, Rule: r.Violation.Rule, Expression: r.Violation.Expression, Message: r.Violation.Message}
		case excluded[m]:
			for _, t := range r.Refs {
				if status(target(m, t)) == StatusExcluded {
					out[m] = decision{Status: StatusExcluded, Rule: RuleReferenceExcluded, Expression: t.Expression,
						Message: "the reference points at " + t.Type + "/" + t.ID + ", which is excluded from the aggregated set"}
					break
				}
			}
		case pending[m]:
			for _, t := range r.Refs {
				if st := status(target(m, t)); st == "" || st == StatusPending {
					w := t.Type + "/" + t.ID
					msg := "waits for " + w + ", which has not arrived"
					if st == StatusPending {
						msg = "waits for " + w + ", which is pending itself"
					}
					out[m] = decision{Status: StatusPending, Expression: t.Expression, Message: msg, WaitingFor: w}
					break
				}
			}
		default:
			out[m] = decision{Status: StatusAccepted}
		}
	}
	return out, nil
}

// spread adds to set every referrer (within the region) of what is in
// queue, transitively, except the members of not.
func spread(queue []merge.Member, referrers map[merge.Member][]merge.Member, set, not map[merge.Member]bool) {
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		for _, r := range referrers[t] {
			if set[r] || not[r] {
				continue
			}
			set[r] = true
			queue = append(queue, r)
		}
	}
}

func sortedMembers(set map[merge.Member]bool) []merge.Member {
	out := make([]merge.Member, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return memberKey(out[i]) < memberKey(out[j]) })
	return out
}
