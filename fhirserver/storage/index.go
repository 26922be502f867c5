package storage

import (
	"bytes"
	"context"
	"fmt"
	"iter"

	"github.com/cockroachdb/pebble/v2"
)

// IndexEntry is one search index entry of a resource: a value of one search
// parameter, encoded by the search engine so that byte order is the order it
// wants to scan in. The store treats Value as opaque bytes (any bytes,
// NUL included, at most 4096).
type IndexEntry struct {
	Param string
	Value []byte
}

// IndexQuery selects the index entries of one (Type, Param) whose values lie
// in [Lo, Hi); a nil Lo or Hi leaves that side open. Entries come in value
// order, ties by id; Reverse gives the opposite order.
type IndexQuery struct {
	Type  string
	Param string
	Lo    []byte
	Hi    []byte
	// Reverse scans from the highest value down.
	Reverse bool
	// After resumes strictly after this hit in scan direction (a page cursor).
	After *IndexHit
}

// IndexHit is one index entry found by ScanIndex.
type IndexHit struct {
	Value []byte
	ID    string
}

// ExactRange returns the [lo, hi) bounds selecting exactly the value v.
func ExactRange(v []byte) (lo, hi []byte) {
	return v, append(bytes.Clone(v), 0)
}

// PrefixRange returns the [lo, hi) bounds selecting every value that starts
// with p (hi is nil, i.e. open, when no bound exists).
func PrefixRange(p []byte) (lo, hi []byte) {
	return p, prefixEnd(p)
}

func checkEntries(entries []IndexEntry) error {
	for _, e := range entries {
		if !validName(e.Param, maxParam) || len(e.Value) > maxValue {
			return fmt.Errorf("%w: index entry %q (%d value bytes)", ErrInvalidKey, e.Param, len(e.Value))
		}
	}
	return nil
}

// bounds turns q into Pebble iterator bounds; ok is false when q's (type,
// parameter) has no code, and so no entries.
func (q IndexQuery) bounds(codes *indexCodes) (lower, upper []byte, ok bool, err error) {
	if !validName(q.Type, maxNameLen) || !validName(q.Param, maxParam) {
		return nil, nil, false, fmt.Errorf("%w: index %q/%q", ErrInvalidKey, q.Type, q.Param)
	}
	code, ok := codes.lookup(q.Type, q.Param)
	if !ok {
		return nil, nil, false, nil
	}
	base := keyIndexParamPrefix(code)
	lower = base
	if q.Lo != nil {
		lower = appendEscaped(bytes.Clone(base), q.Lo, false)
	}
	upper = prefixEnd(base)
	if q.Hi != nil {
		upper = appendEscaped(bytes.Clone(base), q.Hi, false)
	}
	if q.After != nil {
		if !validName(q.After.ID, maxNameLen) {
			return nil, nil, false, fmt.Errorf("%w: index cursor id %q", ErrInvalidKey, q.After.ID)
		}
		k := keyIndex(code, q.After.Value, q.After.ID)
		if q.Reverse {
			if bytes.Compare(k, upper) < 0 {
				upper = k
			}
		} else if k = append(k, 0); bytes.Compare(k, lower) > 0 {
			lower = k
		}
	}
	return lower, upper, bytes.Compare(lower, upper) < 0, nil
}

func (rd reader) scanIndex(codes *indexCodes, q IndexQuery) iter.Seq2[IndexHit, error] {
	return func(yield func(IndexHit, error) bool) {
		lower, upper, ok, err := q.bounds(codes)
		if err != nil {
			yield(IndexHit{}, err)
			return
		}
		if !ok {
			return
		}
		it, err := rd.r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			yield(IndexHit{}, fmt.Errorf("scan index %s.%s: %w", q.Type, q.Param, err))
			return
		}
		defer it.Close()
		const skip = 1 + indexCodeLen
		step, ok := it.Next, it.First()
		if q.Reverse {
			step, ok = it.Prev, it.Last()
		}
		for ; ok; ok = step() {
			v, id, err := parseIndexKey(it.Key()[skip:])
			if err != nil {
				yield(IndexHit{}, fmt.Errorf("scan index %s.%s: %w", q.Type, q.Param, err))
				return
			}
			if !yield(IndexHit{Value: v, ID: id}, nil) {
				return
			}
		}
		if err := it.Error(); err != nil {
			yield(IndexHit{}, fmt.Errorf("scan index %s.%s: %w", q.Type, q.Param, err))
		}
	}
}

// ScanIndex iterates the index entries selected by q over the latest applied
// state. Hits carry no records: load them with Get, which waits for
// durability.
func (s *Store) ScanIndex(ctx context.Context, q IndexQuery) iter.Seq2[IndexHit, error] {
	return func(yield func(IndexHit, error) bool) {
		if !s.acquire() {
			yield(IndexHit{}, ErrClosed)
			return
		}
		defer s.release()
		for h, err := range untilDone(ctx, reader{r: s.db}.scanIndex(&s.codes, q)) {
			if !yield(h, err) || err != nil {
				return
			}
		}
	}
}

// untilDone passes on the hits of scan and ends with ctx's error once ctx
// is done: checked before the first hit (so many short probes, as
// _revinclude=* makes, stop at once) and every 1024 hits (so a long scan
// stops soon after its request's deadline).
func untilDone(ctx context.Context, scan iter.Seq2[IndexHit, error]) iter.Seq2[IndexHit, error] {
	return func(yield func(IndexHit, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(IndexHit{}, err)
			return
		}
		n := 0
		for h, err := range scan {
			if n++; err == nil && n%1024 == 0 {
				err = ctx.Err()
			}
			if !yield(h, err) || err != nil {
				return
			}
		}
	}
}

// ScanIndex iterates index entries as this transaction sees them (including
// its own staged writes) — e.g. to evaluate If-None-Exist inside the serial
// write order.
//
// It stops at ctx's end as Store.ScanIndex does: a conditional write's
// search runs while every other writer waits, so it must not outlive its
// request's deadline (the Write function then fails and nothing is
// written).
func (tx *Tx) ScanIndex(ctx context.Context, q IndexQuery) iter.Seq2[IndexHit, error] {
	if tx.done {
		return func(yield func(IndexHit, error) bool) { yield(IndexHit{}, errTxDone) }
	}
	rd, err := tx.view()
	if err != nil {
		return func(yield func(IndexHit, error) bool) { yield(IndexHit{}, err) }
	}
	return untilDone(ctx, rd.scanIndex(&tx.s.codes, q))
}

// countIndex counts the entries selected by q (After and Reverse included)
// without decoding them.
func (rd reader) countIndex(ctx context.Context, codes *indexCodes, q IndexQuery) (int64, error) {
	lower, upper, ok, err := q.bounds(codes)
	if err != nil || !ok {
		return 0, err
	}
	it, err := rd.r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, fmt.Errorf("count index %s.%s: %w", q.Type, q.Param, err)
	}
	defer it.Close()
	var n int64
	for ok := it.First(); ok; ok = it.Next() {
		if n++; n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
	}
	if err := it.Error(); err != nil {
		return 0, fmt.Errorf("count index %s.%s: %w", q.Type, q.Param, err)
	}
	return n, nil
}

// CountIndex returns how many index entries q selects, without decoding
// them: a search with one exact-valued parameter counts its matches this way
// (each resource has an entry at most once per value).
func (s *Store) CountIndex(ctx context.Context, q IndexQuery) (int64, error) {
	var n int64
	err := s.read(func() (err error) {
		n, err = reader{r: s.db}.countIndex(ctx, &s.codes, q)
		return err
	})
	return n, err
}

// CountIndex is Store.CountIndex as this transaction sees it.
func (tx *Tx) CountIndex(ctx context.Context, q IndexQuery) (int64, error) {
	if tx.done {
		return 0, errTxDone
	}
	rd, err := tx.view()
	if err != nil {
		return 0, err
	}
	return rd.countIndex(ctx, &tx.s.codes, q)
}
