package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"

	"github.com/cockroachdb/pebble/v2"
)

// Reader is what the search engine needs to evaluate a query. Both *Store
// (the latest durable state) and *Tx (inside the serial write order, for
// conditional create/update/delete) implement it, so one query evaluator
// serves both.
type Reader interface {
	// Get returns the current version of typ/id; a tombstone comes back as a
	// record with Deleted set. ErrNotFound when it never existed.
	Get(ctx context.Context, typ, id string) (*Record, error)
	// ScanIndex iterates the index entries of one search parameter.
	ScanIndex(ctx context.Context, q IndexQuery) iter.Seq2[IndexHit, error]
	// ScanType iterates the live current versions of typ in id order,
	// starting after afterID ("" = from the first).
	ScanType(ctx context.Context, typ, afterID string) iter.Seq2[*Record, error]
	// Count returns the number of live resources of typ.
	Count(ctx context.Context, typ string) (int64, error)
}

var (
	_ Reader = (*Store)(nil)
	_ Reader = (*Tx)(nil)
)

// reader holds the read logic shared by the store (over the DB) and a Tx
// (over the DB and what it staged, see Tx).
type reader struct {
	r pebble.Reader
	// staged, when not nil, holds the current-record and index-list keys a
	// Tx wrote into a batch that is not indexed (a nil value: deleted); the
	// point reads of its writes (get, view) look there first.
	staged map[string][]byte
}

func (rd reader) get(key []byte) ([]byte, bool, error) {
	if v, ok := rd.staged[string(key)]; ok {
		return append([]byte(nil), v...), v != nil, nil
	}
	v, closer, err := rd.r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("storage get: %w", err)
	}
	out := append([]byte(nil), v...)
	_ = closer.Close()
	return out, true, nil
}

// view calls fn with the value of key, borrowed from Pebble: fn must copy
// what it keeps. It returns false (without calling fn) when key is absent.
func (rd reader) view(key []byte, fn func(v []byte) error) (bool, error) {
	if v, ok := rd.staged[string(key)]; ok {
		if v == nil {
			return false, nil
		}
		return true, fn(v)
	}
	v, closer, err := rd.r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("storage get: %w", err)
	}
	defer closer.Close()
	return true, fn(v)
}

// header returns the header of typ/id's current version, without copying
// its body.
func (rd reader) header(typ, id string) (header, bool, error) {
	var h header
	ok, err := rd.view(keyCurrent(typ, id), func(v []byte) (err error) {
		h, _, err = decodeHeader(v)
		return err
	})
	if err != nil {
		return header{}, false, fmt.Errorf("%s/%s: %w", typ, id, err)
	}
	return h, ok, nil
}

// currentRaw returns the encoded record under typ/id's current key (a copy)
// and its header: what a write moves to the version key when it supersedes
// that version.
func (rd reader) currentRaw(typ, id string) ([]byte, header, bool, error) {
	v, ok, err := rd.get(keyCurrent(typ, id))
	if err != nil || !ok {
		return nil, header{}, false, err
	}
	h, _, err := decodeHeader(v)
	if err != nil {
		return nil, header{}, false, fmt.Errorf("%s/%s: %w", typ, id, err)
	}
	return v, h, true, nil
}

// currentIf returns typ/id's current record if it is version versionID
// (any version when versionID is 0); the body is decoded (and copied) only
// then. The header comes back either way; found is false when the resource
// never existed.
func (rd reader) currentIf(typ, id string, versionID int64) (rec *Record, h header, found bool, err error) {
	found, err = rd.view(keyCurrent(typ, id), func(v []byte) error {
		if h, _, err = decodeHeader(v); err != nil || versionID != 0 && h.versionID != versionID {
			return err
		}
		rec, err = decodeRecord(v)
		return err
	})
	if err != nil {
		return nil, header{}, false, fmt.Errorf("%s/%s: %w", typ, id, err)
	}
	return rec, h, found, nil
}

// version returns version versionID of typ/id, current or superseded.
//
// The current key is read first, and the version key only when the current
// version is a later one. That order makes the two reads race-free without
// a snapshot: the batch that replaces the current key also writes the
// version it supersedes under its version key (stageVersion), atomically,
// and version keys are never removed. So if the current key shows a later
// version, the asked one is already under its version key; if it shows an
// earlier one, the asked version did not exist when the current key was
// read. (The other order could miss a version that moved from the current
// key to its version key between the two reads.)
func (rd reader) version(typ, id string, versionID int64) (*Record, error) {
	if versionID <= 0 { // 0 would ask currentIf for whichever is current
		return nil, fmt.Errorf("%w: %s/%s/_history/%d", ErrNotFound, typ, id, versionID)
	}
	rec, cur, found, err := rd.currentIf(typ, id, versionID)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		return rec, nil
	}
	if !found || cur.versionID < versionID {
		return nil, fmt.Errorf("%w: %s/%s/_history/%d", ErrNotFound, typ, id, versionID)
	}
	v, ok, err := rd.get(keyVersion(typ, id, versionID))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s/%s/_history/%d", ErrNotFound, typ, id, versionID)
	}
	if rec, err = decodeRecord(v); err != nil {
		return nil, fmt.Errorf("%s/%s/_history/%d: %w", typ, id, versionID, err)
	}
	return rec, nil
}

// versionHeader returns the header of version versionID of typ/id (found
// false when there is no such version), reading the keys in the order
// version explains, without decoding a body.
func (rd reader) versionHeader(typ, id string, versionID int64) (header, bool, error) {
	cur, found, err := rd.header(typ, id)
	if err != nil || !found || cur.versionID <= versionID {
		return cur, found && cur.versionID == versionID, err
	}
	var h header
	ok, err := rd.view(keyVersion(typ, id, versionID), func(v []byte) (err error) {
		h, _, err = decodeHeader(v)
		return err
	})
	if err != nil {
		return header{}, false, fmt.Errorf("%s/%s/_history/%d: %w", typ, id, versionID, err)
	}
	return h, ok, nil
}

// current returns typ/id's current version: one point read, since the
// current key holds the whole record.
func (rd reader) current(typ, id string) (*Record, error) {
	if err := checkTypeID(typ, id); err != nil {
		return nil, err
	}
	rec, _, found, err := rd.currentIf(typ, id, 0)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: %s/%s", ErrNotFound, typ, id)
	}
	return rec, nil
}

// idxList returns the index list of typ/id's current version and whether it
// has one.
func (rd reader) idxList(typ, id string) ([]IndexEntry, bool, error) {
	v, ok, err := rd.get(keyIdxList(typ, id))
	if err != nil || !ok {
		return nil, false, err
	}
	es, err := decodeIdxList(v)
	return es, err == nil, err
}

func (rd reader) count(typ string) (int64, error) {
	v, ok, err := rd.get(keyCount(typ))
	if err != nil || !ok {
		return 0, err
	}
	n, k := binary.Varint(v)
	if k <= 0 {
		return 0, fmt.Errorf("storage: bad count for %s", typ)
	}
	return n, nil
}

func encodeCount(n int64) []byte { return binary.AppendVarint(nil, n) }

// scanType yields the live current versions of typ after afterID.
func (rd reader) scanType(typ, afterID string) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		if !validName(typ, maxNameLen) {
			yield(nil, fmt.Errorf("%w: type %q", ErrInvalidKey, typ))
			return
		}
		lower := keyCurrentTypePrefix(typ)
		if afterID != "" {
			lower = append(keyCurrent(typ, afterID), 0)
		}
		it, err := rd.r.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(keyCurrentTypePrefix(typ))})
		if err != nil {
			yield(nil, fmt.Errorf("scan %s: %w", typ, err))
			return
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			// The current key holds the whole record: no read per item.
			h, _, err := decodeHeader(it.Value())
			if err != nil {
				yield(nil, fmt.Errorf("scan %s/%s: %w", typ, idFromCurrentKey(typ, it.Key()), err))
				return
			}
			if h.deleted() {
				continue
			}
			rec, err := decodeRecord(it.Value())
			if err != nil {
				err = fmt.Errorf("scan %s/%s: %w", typ, idFromCurrentKey(typ, it.Key()), err)
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
		if err := it.Error(); err != nil {
			yield(nil, fmt.Errorf("scan %s: %w", typ, err))
		}
	}
}

// Unused reports whether no version of typ/id has been written: it was
// never created, not even one since deleted. It reads what writers have
// applied, durable or not, and does not wait. A new id from NewID, which no
// other writer can be writing, is checked here when NewIDsNeedCheck,
// outside the serial write section, and created with Put.Fresh.
func (s *Store) Unused(typ, id string) (bool, error) {
	if err := checkTypeID(typ, id); err != nil {
		return false, err
	}
	var found bool
	err := s.read(func() (err error) {
		found, err = reader{r: s.db}.view(keyCurrent(typ, id), func([]byte) error { return nil })
		return err
	})
	return !found, err
}

// Get returns the current version of typ/id (see Reader.Get). If that
// version's fsync is still in flight, Get waits for it.
func (s *Store) Get(ctx context.Context, typ, id string) (*Record, error) {
	var rec *Record
	err := s.read(func() (err error) {
		rec, err = reader{r: s.db}.current(typ, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.waitDurable(ctx, rec.Seq); err != nil {
		return nil, err
	}
	return rec, nil
}

// CurrentVersion returns the version id of typ/id's current version and
// whether it is a tombstone, from its header alone (the body under the same
// key is neither decoded nor copied): for a caller that caches what it
// derives from a version's body by version, as the aggregator's visibility
// filter does for every index hit of a search. ErrNotFound when it never
// existed. Like Get, it waits for that version's fsync.
func (s *Store) CurrentVersion(ctx context.Context, typ, id string) (versionID int64, deleted bool, err error) {
	var h header
	err = s.read(func() error {
		if err := checkTypeID(typ, id); err != nil {
			return err
		}
		var ok bool
		var err error
		if h, ok, err = (reader{r: s.db}).header(typ, id); err == nil && !ok {
			err = fmt.Errorf("%w: %s/%s", ErrNotFound, typ, id)
		}
		return err
	})
	if err != nil {
		return 0, false, err
	}
	if err := s.waitDurable(ctx, h.seq); err != nil {
		return 0, false, err
	}
	return h.versionID, h.deleted(), nil
}

// GetVersion returns one version of typ/id (vread); ErrNotFound when that
// version does not exist. A tombstone version has Deleted set.
func (s *Store) GetVersion(ctx context.Context, typ, id string, versionID int64) (*Record, error) {
	if err := checkTypeID(typ, id); err != nil {
		return nil, err
	}
	var rec *Record
	err := s.read(func() (err error) {
		rec, err = reader{r: s.db}.version(typ, id, versionID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.waitDurable(ctx, rec.Seq); err != nil {
		return nil, err
	}
	return rec, nil
}

// ScanType iterates the live current versions of typ in id order, after
// afterID; for search without an index and for index rebuilds.
func (s *Store) ScanType(ctx context.Context, typ, afterID string) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		if !s.acquire() {
			yield(nil, ErrClosed)
			return
		}
		defer s.release()
		for r, err := range (reader{r: s.db}).scanType(typ, afterID) {
			if err == nil {
				err = s.waitDurable(ctx, r.Seq)
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// Count returns the number of live resources of typ.
func (s *Store) Count(ctx context.Context, typ string) (int64, error) {
	var n int64
	err := s.read(func() (err error) {
		n, err = reader{r: s.db}.count(typ)
		return err
	})
	return n, err
}

// Counts returns the number of live resources of every type that has one.
func (s *Store) Counts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.read(func() error {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixCount}, UpperBound: []byte{prefixCount + 1}})
		if err != nil {
			return fmt.Errorf("read counts: %w", err)
		}
		defer it.Close()
		for ok := it.First(); ok; ok = it.Next() {
			n, k := binary.Varint(it.Value())
			if k <= 0 {
				return fmt.Errorf("storage: bad count under %q", it.Key())
			}
			if n != 0 {
				out[string(it.Key()[1:])] = n
			}
		}
		return it.Error()
	})
	return out, err
}

// Get returns the current version of typ/id as this transaction sees it.
func (tx *Tx) Get(_ context.Context, typ, id string) (*Record, error) {
	if tx.done {
		return nil, errTxDone
	}
	rd, err := tx.view()
	if err != nil {
		return nil, err
	}
	return rd.current(typ, id)
}

// ScanType iterates live current versions of typ as this transaction sees them.
func (tx *Tx) ScanType(_ context.Context, typ, afterID string) iter.Seq2[*Record, error] {
	if tx.done {
		return func(yield func(*Record, error) bool) { yield(nil, errTxDone) }
	}
	rd, err := tx.view()
	if err != nil {
		return func(yield func(*Record, error) bool) { yield(nil, err) }
	}
	return rd.scanType(typ, afterID)
}

// Count returns the number of live resources of typ as this transaction sees it.
func (tx *Tx) Count(_ context.Context, typ string) (int64, error) {
	if tx.done {
		return 0, errTxDone
	}
	if !validName(typ, maxNameLen) {
		return 0, fmt.Errorf("%w: type %q", ErrInvalidKey, typ)
	}
	return tx.liveCount(typ)
}
