package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/merge"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Reset is called when the source rejected the cursor (its store was wiped
// or replaced): the cursor is forgotten, so the follower replays the feed
// from "", and the source is marked as replaying. While it replays, a
// change is skipped only when it is the very version already applied with
// the same content (a wiped source numbers its versions anew), and every
// resource the replay brings is remembered; the first CaughtUp after it
// removes the rest.
func (p *Pipeline) Reset(ctx context.Context, source string) error {
	return p.write(ctx, func(b *batch) error {
		b.cursors.del(source)
		b.reset.put(source, []byte("1"))
		return b.clearPrefix(b.seen, sourcePrefix(source))
	})
}

// CaughtUp is called each time the follower reached the head of the
// source's feed. After a Reset, the first one removes downstream every
// contribution of the source that the replay did not bring again (the
// source no longer has it), as if the source had deleted it.
func (p *Pipeline) CaughtUp(ctx context.Context, source string) error {
	if _, ok, err := p.reset.Get(source, time.Time{}); err != nil || !ok {
		return err // no Reset: nothing to do, and no commit for it
	}
	return p.write(ctx, func(b *batch) error {
		if resetting, err := b.resetting(source); err != nil || !resetting {
			return err
		}
		members, err := b.members(source)
		if err != nil {
			return err
		}
		for _, m := range members {
			if _, seen, err := b.seen.get(memberKey(m)); err != nil {
				return err
			} else if !seen {
				if err := b.remove(m, true); err != nil {
					return err
				}
			}
		}
		if err := b.clearPrefix(b.seen, sourcePrefix(source)); err != nil {
			return err
		}
		b.reset.del(source)
		return b.settle()
	})
}

// Forget removes everything the source contributed downstream (merged
// resources are recomputed from their other contributors) and all of its
// state: cursor, versions, outcomes, counts.
func (p *Pipeline) Forget(ctx context.Context, source string) error {
	return p.write(ctx, func(b *batch) error {
		members, err := b.members(source)
		if err != nil {
			return err
		}
		for _, m := range members {
			if err := b.remove(m, false); err != nil {
				return err
			}
		}
		if err := b.settle(); err != nil {
			return err
		}
		for _, v := range []*view{b.versions, b.outbox, b.seen, b.counts} {
			if err := b.clearPrefix(v, sourcePrefix(source)); err != nil {
				return err
			}
		}
		b.cursors.del(source)
		b.reset.del(source)
		return nil
	})
}

// members lists the source's resources that have a state record.
func (b *batch) members(source string) ([]merge.Member, error) {
	keys, err := b.state.keys(sourcePrefix(source))
	if err != nil {
		return nil, err
	}
	out := make([]merge.Member, 0, len(keys))
	for _, k := range keys {
		m, err := parseMemberKey(k)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// remove takes a resource out as if its source had deleted it; keepVersion
// records the deletion at the version applied last, so a replay of an
// older change stays a no-op.
func (b *batch) remove(m merge.Member, keepVersion bool) error {
	old, err := b.rec(m)
	if err != nil || old == nil {
		return err
	}
	if keepVersion {
		key, err := storage.SourceVersionKey(m.Source, m.Type, m.ID)
		if err != nil {
			return err
		}
		b.versions.put(key, storage.EncodeSourceVersion(storage.SourceVersion{
			VersionID: old.VersionID, LastUpdated: old.LastUpdated, Deleted: true}))
	}
	b.replace(m, old, prepared{member: m})
	return nil
}

// clearPrefix deletes every key of v under prefix.
func (b *batch) clearPrefix(v *view, prefix string) error {
	keys, err := v.keys(prefix)
	if err != nil {
		return fmt.Errorf("pipeline: list %q: %w", prefix, err)
	}
	for _, k := range keys {
		v.del(k)
	}
	return nil
}
