package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// write runs work on a fresh batch inside the store's serial write section
// and commits what it staged — downstream versions and every metadata
// record — as one Pebble batch: a crash before its fsync loses all of it,
// after it none.
//
// Running the batch inside the section (rather than reading first and
// writing after) is what lets the fsync happen outside any lock: the next
// Write's function already sees this batch applied (the store orders them),
// so pages of several sources share one fsync (group commit), and the
// pipeline's reads of its own namespaces outside the transaction see every
// earlier batch, while the batch's views add what it staged itself.
func (p *Pipeline) write(ctx context.Context, work func(b *batch) error) error {
	return p.writeIf(ctx, nil, work)
}

// writeIf is write, except that claim (when not nil) runs first inside the
// section: when it returns false the batch is empty and nothing is read.
func (p *Pipeline) writeIf(ctx context.Context, claim func() bool, work func(b *batch) error) error {
	_, err := p.store.Write(ctx, func(tx *storage.Tx) error {
		if claim != nil && !claim() {
			return nil
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if err := p.sync(); err != nil {
			return err
		}
		b := p.newBatch()
		if err := work(b); err != nil {
			p.stale = true // work may have changed the groups
			return err
		}
		p.epoch++
		b.epoch.put(epochKey, []byte(strconv.FormatUint(p.epoch, 10)))
		if err := b.stage(tx); err != nil {
			p.stale = true
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}

// epochKey (namespace agg-epoch) counts the pipeline's commits. The merge
// groups in memory follow the batches staged; should a staged batch not
// reach the store (its apply failed after the function returned), the next
// batch finds the stored count behind the one in memory and rebuilds the
// groups from the store.
const epochKey = "commits"

// sync makes the in-memory groups match the store. REQUIRES: p.mu held,
// inside the store's write section (or before p is shared).
func (p *Pipeline) sync() error {
	stored, err := p.storedEpoch()
	if err != nil {
		return err
	}
	if stored != p.epoch && p.groups != nil {
		p.log.Info("a pipeline batch did not reach the store; rebuilding the merge groups from it",
			"storedCommits", stored, "stagedCommits", p.epoch)
		p.stale = true
	}
	if !p.stale {
		return nil
	}
	if err := p.loadGroups(); err != nil {
		return err
	}
	p.epoch = stored
	p.stale = false
	return nil
}

func (p *Pipeline) storedEpoch() (uint64, error) {
	data, ok, err := p.epochs.Get(epochKey, time.Time{})
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseUint(string(data), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pipeline: commit count %q: %w", data, err)
	}
	return n, nil
}

// stage writes what the batch staged into tx: the downstream deletes and
// puts, then every namespace's records.
func (b *batch) stage(tx *storage.Tx) error {
	for _, d := range b.deletes {
		if _, err := tx.Delete(storage.Delete{Type: d.typ, ID: d.id, Reindex: b.p.reindex}); err != nil &&
			!errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrGone) {
			return fmt.Errorf("delete %s/%s: %w", d.typ, d.id, err)
		}
	}
	for i := range b.puts {
		d := &b.puts[i]
		if _, err := tx.Put(storage.Put{Type: d.typ, ID: d.id, Index: d.index, Stamp: b.stamper(d), Reindex: b.p.reindex}); err != nil {
			return fmt.Errorf("put %s/%s: %w", d.typ, d.id, err)
		}
	}
	for _, v := range []*view{b.cursors, b.versions, b.state, b.resources, b.referrers, b.outbox, b.counts, b.reset, b.seen, b.epoch} {
		if err := v.stage(tx); err != nil {
			return err
		}
	}
	return nil
}
