package pipeline

import (
	"context"
	"fmt"

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
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.newBatch()
	b.cursors.del(source)
	b.reset.put(source, []byte("1"))
	if err := b.clearPrefix(b.seen, sourcePrefix(source)); err != nil {
		return err
	}
	return b.commit(ctx)
}

// CaughtUp is called each time the follower reached the head of the
// source's feed. After a Reset, the first one removes downstream every
// contribution of the source that the replay did not bring again (the
// source no longer has it), as if the source had deleted it.
func (p *Pipeline) CaughtUp(ctx context.Context, source string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fresh(); err != nil {
		return err
	}
	b := p.newBatch()
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
				return p.fail(err)
			}
		}
	}
	if err := b.clearPrefix(b.seen, sourcePrefix(source)); err != nil {
		return err
	}
	b.reset.del(source)
	if err := b.settle(); err != nil {
		return p.fail(err)
	}
	return p.failed(b.commit(ctx))
}

// Forget removes everything the source contributed downstream (merged
// resources are recomputed from their other contributors) and all of its
// state: cursor, versions, outcomes, counts.
func (p *Pipeline) Forget(ctx context.Context, source string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fresh(); err != nil {
		return err
	}
	b := p.newBatch()
	members, err := b.members(source)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := b.remove(m, false); err != nil {
			return p.fail(err)
		}
	}
	if err := b.settle(); err != nil {
		return p.fail(err)
	}
	for _, v := range []*view{b.versions, b.outbox, b.seen, b.counts} {
		if err := b.clearPrefix(v, sourcePrefix(source)); err != nil {
			return p.fail(err)
		}
	}
	b.cursors.del(source)
	b.reset.del(source)
	return p.failed(b.commit(ctx))
}

func (p *Pipeline) failed(err error) error {
	if err != nil {
		return p.fail(err)
	}
	return nil
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
