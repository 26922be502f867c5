package storage

import (
	"context"
	"iter"

	"github.com/cockroachdb/pebble/v2"
)

// View is a Reader over one state of the store: every read through it —
// index scans, record loads, counts — sees the writes committed before the
// View was made and none after. A search reads several runs of the index
// one after another (a value's run and its merged twin, the clauses of a
// join); read from the live store, an update committed between two of
// them can move a resource's entry from a run not yet read to one already
// read, and the search misses a resource that matched both before and
// after. A View is a Pebble snapshot: the versions it can see are kept
// until Close, so hold one for a request, not longer. Its record reads wait
// for durability as Store.Get does. Safe for concurrent use; Close it once
// its reads are done.
type View struct {
	s    *Store
	snap *pebble.Snapshot
	// epoch numbers the View in snapshot order (index_tags.go).
	epoch uint64
}

var _ Reader = (*View)(nil)

// View returns a View of the store as it is now. It holds the store open
// (Close waits for it) until its Close.
func (s *Store) View() (*View, error) {
	if !s.acquire() {
		return nil, ErrClosed
	}
	s.viewMu.Lock()
	defer s.viewMu.Unlock()
	s.viewEpoch++
	return &View{s: s, snap: s.db.NewSnapshot(), epoch: s.viewEpoch}, nil
}

// Close releases the snapshot and the store.
func (v *View) Close() error {
	err := v.snap.Close()
	v.s.release()
	return err
}

// Get returns typ/id's current version in the View (Reader.Get), once it
// is durable.
func (v *View) Get(ctx context.Context, typ, id string) (*Record, error) {
	rec, err := reader{r: v.snap}.current(typ, id)
	if err != nil {
		return nil, err
	}
	if err := v.s.waitDurable(ctx, rec.Seq); err != nil {
		return nil, err
	}
	return rec, nil
}

// ScanIndex is Store.ScanIndex over the View. A range within a run the
// store knows to be empty for this View is answered without a seek; one
// within a run nothing is known of, found empty, has the whole run probed
// once, so the next View knows (index_tags.go).
func (v *View) ScanIndex(ctx context.Context, q IndexQuery) iter.Seq2[IndexHit, error] {
	k, st, one := v.s.run(q)
	if one && absentFor(st, v.epoch) {
		return func(yield func(IndexHit, error) bool) {
			if err := ctx.Err(); err != nil { // as untilDone would
				yield(IndexHit{}, err)
			}
		}
	}
	scan := untilDone(ctx, reader{r: v.snap}.scanIndex(&v.s.codes, q))
	if !one || st != tagUnknown {
		return scan
	}
	return func(yield func(IndexHit, error) bool) {
		found := false
		for h, err := range scan {
			found = true // an entry or an error: nothing to learn
			if !yield(h, err) || err != nil {
				return
			}
		}
		if !found {
			v.learn(q, k)
		}
	}
}

// learn probes the whole run k of q's (type, parameter): empty, it is
// absent from this View on.
func (v *View) learn(q IndexQuery, k tagKey) {
	if k.tag == 0xff {
		return
	}
	whole := IndexQuery{Type: q.Type, Param: q.Param, Lo: []byte{k.tag}, Hi: []byte{k.tag + 1}}
	for _, err := range (reader{r: v.snap}).scanIndex(&v.s.codes, whole) {
		if err == nil {
			// Present, as a write would have marked it: no probe again.
			v.s.tags.learnPresent(k)
		}
		return
	}
	v.s.tags.learnAbsent(k, v.epoch)
}

// CountIndex is Store.CountIndex over the View.
func (v *View) CountIndex(ctx context.Context, q IndexQuery) (int64, error) {
	if _, st, one := v.s.run(q); one && absentFor(st, v.epoch) {
		return 0, ctx.Err()
	}
	return reader{r: v.snap}.countIndex(ctx, &v.s.codes, q)
}

// ScanType is Store.ScanType over the View.
func (v *View) ScanType(ctx context.Context, typ, afterID string) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for r, err := range (reader{r: v.snap}).scanType(typ, afterID) {
			if err == nil {
				err = v.s.waitDurable(ctx, r.Seq)
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// Count is Store.Count in the View.
func (v *View) Count(_ context.Context, typ string) (int64, error) {
	return reader{r: v.snap}.count(typ)
}
