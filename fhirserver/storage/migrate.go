package storage

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// migrateBatch is how many resources one migration batch moves at most:
// the same bound as an index rebuild's batches (a batch is also committed
// once it holds bulkBatchBytes, so large resources make smaller batches).
const migrateBatch = 1000

// startMigration marks the store as migrating from format from to the
// current format, with an fsync, before the first resource moves: the
// format meta says the new format at once, so an older build refuses the
// store from the first moved resource on (it would not find the records
// that moved, and its next write of such a resource would overwrite the
// only copy of its current version), and the marker makes every Open of
// this build finish the migration before it serves anything.
//
// The same batch drops the index entries of the old layout (dropIndex).
func (s *Store) startMigration(from uint64) error {
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set(keyMeta(metaMigrating), binary.AppendUvarint(nil, from), nil)
	_ = b.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, storeFormat), nil)
	dropIndex(b)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("start the migration to format %d: %w", storeFormat, diskFullError(err))
	}
	return nil
}

// dropIndexLayout turns a format-2 store into format 3, whose index keys
// name their (type, parameter) by code: one batch, with an fsync, drops the
// index entries and index lists of the old layout and the fingerprint that
// described them (dropIndex) and records the new format, so the search
// engine rebuilds the index on start as it does after a change of its
// definitions. A crash before the batch leaves a format-2 store; after it,
// a format-3 store with no index.
func (s *Store) dropIndexLayout(from uint64) error {
	s.log.Info("the store's index keys change layout: the index is dropped, to be rebuilt", "dir", s.dir,
		"from", from, "to", storeFormat)
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, storeFormat), nil)
	dropIndex(b)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("migrate to format %d: %w", storeFormat, diskFullError(err))
	}
	return nil
}

// dropIndex stages the deletion of every index entry, index list and index
// code, and of the fingerprint and rebuild progress: the store then has no
// index, and RebuildIndexes to any fingerprint writes it again.
func dropIndex(b *pebble.Batch) {
	_ = b.DeleteRange([]byte{prefixIndex}, []byte{prefixIndex + 1}, nil)
	_ = b.DeleteRange([]byte{prefixIdxList}, []byte{prefixIdxList + 1}, nil)
	_ = b.DeleteRange(keyIndexCodePrefix(), prefixEnd(keyIndexCodePrefix()), nil)
	_ = b.Delete(keyMeta(metaFingerprint), nil)
	_ = b.Delete(keyMeta(metaRebuilt), nil)
}

// migrateFormat1 turns a format-1 store into the current format: format 1
// kept only a header under each current key and every version, the current
// one included, under its version key; now the current key holds the
// current version's whole record and version keys only superseded versions.
// For every resource it moves the record of the current version from its
// version key to the current key, in batches of opts.migrateBatch resources,
// and removes the migration's marker (startMigration) last, with an fsync.
//
// It runs in Open, before anything else reads or writes. Each resource moves
// within one batch (set the current key, delete the version key), so a crash
// leaves every resource either in the old layout or in the new one, never
// half; and a current key that already holds a record (its decoded header is
// followed by more bytes) is skipped, so the next Open, which still finds
// the marker, finishes the job. The batches before the last need no fsync:
// the WAL is written in order, so a crash that loses one loses every later
// one too, the marker's removal included.
func (s *Store) migrateFormat1(opts Options) error {
	perBatch := opts.migrateBatch
	if perBatch <= 0 {
		perBatch = migrateBatch
	}
	start := time.Now()
	s.log.Info("migrating the store to format 2: current versions move under their current keys", "dir", s.dir)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixCurrent}, UpperBound: []byte{prefixCurrent + 1}})
	if err != nil {
		return fmt.Errorf("migrate to format 2: %w", err)
	}
	defer it.Close()
	// The iterator is a snapshot of the current keys; the batches rewrite
	// only keys it has already passed, and version keys, which it does not
	// cover.
	rd := reader{r: s.db}
	w := s.newBulkWriter("migrating the store to format 2", perBatch)
	if opts.migrateHook != nil {
		w.afterBatch = func(n int) { opts.migrateHook(s, n) }
	}
	defer w.close()
	for ok := it.First(); ok; ok = it.Next() {
		h, rest, err := decodeHeader(it.Value())
		if err != nil {
			return fmt.Errorf("migrate to format 2: %q: %w", it.Key(), err)
		}
		if len(rest) > 0 {
			continue // a record already: moved by an earlier, interrupted migration
		}
		typ, id, err := splitCurrentKey(it.Key())
		if err != nil {
			return fmt.Errorf("migrate to format 2: %w", err)
		}
		vk := keyVersion(typ, id, h.versionID)
		rec, ok, err := rd.get(vk)
		if err != nil {
			return fmt.Errorf("migrate to format 2: %w", err)
		}
		if !ok {
			return fmt.Errorf("migrate to format 2: %s/%s: no record of its current version %d", typ, id, h.versionID)
		}
		_ = w.b.Set(it.Key(), rec, nil)
		_ = w.b.Delete(vk, nil)
		if err := w.next(); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("migrate to format 2: %w", err)
	}
	_ = w.b.Delete(keyMeta(metaMigrating), nil)
	if err := w.finish(metaFormat, binary.AppendUvarint(nil, storeFormat)); err != nil {
		return err
	}
	s.log.Info("store migrated to format 2", "resources", w.done, "took", time.Since(start).String())
	return nil
}
