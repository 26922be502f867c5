package storage

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// IndexFingerprint returns the fingerprint stored by the last completed
// RebuildIndexes ("" for a store that never had one). The search engine
// compares it with the fingerprint of its definitions and index format on
// start and calls RebuildIndexes when they differ.
func (s *Store) IndexFingerprint() string { return *s.fingerprint.Load() }

// rebuildBatch is how many resources one rebuild batch holds: big enough to
// amortise commits, small enough to keep batches well under Pebble's
// large-batch threshold.
const rebuildBatch = 1000

// RebuildIndexes drops every search index entry and index list and writes
// new entries for the live current version of every resource, computed by
// extract, then stores fingerprint. It writes no index lists: extract is a
// Reindexer, and later writes derive a version's entries with it
// (Put.Reindex). Writers wait while it runs (it holds the serial write
// order); progress goes to the log. If it fails or ctx ends, the old
// fingerprint stays, so the next start rebuilds again — the indexes are
// incomplete until then and the server must not serve search.
//
// A rebuild that was cut short (a crash, a kill, ctx ended) resumes: every
// batch records, with its entries, the fingerprint it builds and the last
// current key it indexed, so the next rebuild to the same fingerprint goes
// on after that key instead of dropping what is done. (Nothing else writes
// in between: the store is not served while its fingerprint says
// rebuilding, and a rebuild to another fingerprint starts over.)
func (s *Store) RebuildIndexes(ctx context.Context, fingerprint string, extract Reindexer) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.writeClosed {
		return ErrClosed
	}
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	start := time.Now()

	lower := []byte{prefixCurrent}
	after, err := s.rebuildResumesAfter(fingerprint)
	if err != nil {
		return fmt.Errorf("rebuild indexes: %w", err)
	}
	if after != nil {
		s.log.Info("resuming the search index rebuild", "to", fingerprint, "after", string(after))
		lower = append(bytes.Clone(after), 0) // the next key after it
	} else {
		s.log.Info("rebuilding search indexes", "from", s.IndexFingerprint(), "to", fingerprint)
		// Range deletions first, in their own batch: later batches get
		// higher Pebble sequence numbers, so the new entries survive them.
		b := s.db.NewBatch()
		_ = b.DeleteRange([]byte{prefixIndex}, []byte{prefixIndex + 1}, nil)
		_ = b.DeleteRange([]byte{prefixIdxList}, []byte{prefixIdxList + 1}, nil)
		_ = b.Set(keyMeta(metaFingerprint), []byte(fingerprintRebuilding), nil)
		_ = b.Delete(keyMeta(metaRebuilt), nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return fmt.Errorf("rebuild indexes: drop old entries: %w", err)
		}
		fp := fingerprintRebuilding
		s.fingerprint.Store(&fp)
	}

	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: []byte{prefixCurrent + 1}})
	if err != nil {
		return fmt.Errorf("rebuild indexes: %w", err)
	}
	defer it.Close()
	w := s.newBulkWriter("rebuilding search indexes", rebuildBatch)
	defer w.close()
	var last []byte // the last current key whose entries are in w.b
	w.checkpoint = func(b *pebble.Batch) {
		_ = b.Set(keyMeta(metaRebuilt), append(append([]byte(fingerprint), 0), last...), nil)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("rebuild indexes: %w", err)
		}
		h, _, err := decodeHeader(it.Value())
		if err != nil {
			return fmt.Errorf("rebuild indexes: %q: %w", it.Key(), err)
		}
		if h.deleted() {
			continue
		}
		typ, id, err := splitCurrentKey(it.Key())
		if err != nil {
			return fmt.Errorf("rebuild indexes: %w", err)
		}
		rec, err := decodeRecord(it.Value()) // the current key holds the whole record
		if err != nil {
			return fmt.Errorf("rebuild indexes: %s/%s: %w", typ, id, err)
		}
		entries, err := extract(rec)
		if err != nil {
			return fmt.Errorf("rebuild indexes: extract %s/%s: %w", typ, id, err)
		}
		if err := checkEntries(entries); err != nil {
			return fmt.Errorf("rebuild indexes: %s/%s: %w", typ, id, err)
		}
		for _, e := range entries {
			code, err := s.indexCode(typ, e.Param)
			if err != nil {
				return fmt.Errorf("rebuild indexes: %s/%s: %w", typ, id, err)
			}
			s.tags.markPresent(code, e.Value) // before the batch is applied
			_ = w.b.Set(keyIndex(code, e.Value, id), nil, nil)
		}
		last = append(last[:0], it.Key()...)
		if err := w.next(); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("rebuild indexes: %w", err)
	}
	_ = w.b.Delete(keyMeta(metaRebuilt), nil)
	if err := w.finish(metaFingerprint, []byte(fingerprint)); err != nil {
		return err
	}
	s.fingerprint.Store(&fingerprint)
	s.log.Info("search indexes rebuilt", "resources", w.done, "fingerprint", fingerprint, "took", time.Since(start).String())
	return nil
}

// fingerprintRebuilding is the index fingerprint while a rebuild runs: no
// engine's, so a start after an interrupted rebuild rebuilds again.
const fingerprintRebuilding = "rebuilding"

// rebuildResumesAfter returns the last current key an interrupted rebuild
// to fingerprint indexed, or nil when a rebuild to it must start over.
func (s *Store) rebuildResumesAfter(fingerprint string) ([]byte, error) {
	if s.IndexFingerprint() != fingerprintRebuilding {
		return nil, nil
	}
	v, err := s.getMeta(metaRebuilt)
	if err != nil || v == nil {
		return nil, err
	}
	fp, last, ok := bytes.Cut(v, []byte{0})
	if !ok || string(fp) != fingerprint || len(last) == 0 {
		return nil, nil
	}
	return bytes.Clone(last), nil
}
