package storage

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// bulkBatchBytes bounds a bulk job's batch by size as well as by count:
// 1,000 resources of a megabyte each would otherwise make a batch of a
// gigabyte, held in memory until it commits.
const bulkBatchBytes = 4 << 20

// bulkWriter writes a job over every resource of the store (an index
// rebuild, a format migration) in batches of at most per resources or about
// bulkBatchBytes, whichever comes first. The
// batches before the last are committed without an fsync: the last one is
// synced, and the WAL is written in order, so a crash that loses a batch
// loses every later one too, the meta key the job writes last included.
// Progress goes to the log every 5 seconds.
type bulkWriter struct {
	s    *Store
	what string // the job, as the log names it
	// b is the batch the job writes the current resource into.
	b             *pebble.Batch
	per           int
	inBatch, done int
	batches       int               // batches committed so far
	afterBatch    func(batches int) // tests: runs after each batch but the last
	// checkpoint, when set, writes the job's progress into each batch but
	// the last before it is committed, so the progress a crash leaves is
	// exactly what the committed batches did.
	checkpoint       func(b *pebble.Batch)
	started, lastLog time.Time
}

func (s *Store) newBulkWriter(what string, per int) *bulkWriter {
	now := time.Now()
	return &bulkWriter{s: s, what: what, b: s.db.NewBatch(), per: per, started: now, lastLog: now}
}

// next counts one resource written into w.b and commits the batch once it
// holds per resources or bulkBatchBytes.
func (w *bulkWriter) next() error {
	w.done++
	if w.inBatch++; w.inBatch >= w.per || w.b.Len() >= bulkBatchBytes {
		if w.checkpoint != nil {
			w.checkpoint(w.b)
		}
		if err := w.b.Commit(pebble.NoSync); err != nil {
			return fmt.Errorf("%s: commit: %w", w.what, err)
		}
		w.s.wrote(w.b)
		_ = w.b.Close()
		w.b, w.inBatch = w.s.db.NewBatch(), 0
		if w.batches++; w.afterBatch != nil {
			w.afterBatch(w.batches)
		}
	}
	if time.Since(w.lastLog) > 5*time.Second {
		w.s.log.Info(w.what, "resources", w.done, "elapsed", time.Since(w.started).Round(time.Second).String())
		w.lastLog = time.Now()
	}
	return nil
}

// finish writes the meta key name = value into the last batch and commits
// it with an fsync.
func (w *bulkWriter) finish(name string, value []byte) error {
	_ = w.b.Set(keyMeta(name), value, nil)
	if err := w.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("%s: commit: %w", w.what, err)
	}
	w.s.wrote(w.b)
	return nil
}

// close releases the current batch (uncommitted if finish was not reached).
func (w *bulkWriter) close() { _ = w.b.Close() }
