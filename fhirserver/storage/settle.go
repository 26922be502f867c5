package storage

import (
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// A store's latest writes sit in Pebble's memtable, a skiplist of every key
// written since the last flush (up to MemTableBytes, 16 MiB: ~150,000 keys
// at ~50 index entries a resource). Every read seeks it first, and a seek
// through a full one is a walk of ~30 nodes scattered over 16 MiB — cache
// misses that cost a point read ~3 µs, about a third of it, and each of the
// ~20 record loads of a search page as much. Pebble flushes the memtable only
// when it is full, so a tenant whose writes stop (a feed that loaded its
// batch, a registration drive that ended) would read through it until the
// next burst fills it.
//
// The settler flushes it once writes have been quiet for settleAfter, if
// at least settleMinBytes were written since the last flush (a smaller
// memtable is cheap to seek and to keep, and a tenant writing a resource
// every few seconds should not turn each into an sstable). Reads then find
// the quiet writes in sstables, through the Bloom filters and the block
// cache (BENCHMARKS.md "Settling a quiet store"). It costs an idle store
// nothing: the first write past the threshold starts one goroutine, which
// ends with the flush.

// settleAfter is how long writes must pause before the memtable is flushed.
const settleAfter = time.Second

// settleMinBytes is the least memtable worth flushing early.
const settleMinBytes = 1 << 20

// settler tracks the writes since the last flush; its fields are atomics
// because the write path updates them and the settling goroutine and
// Pebble's event listener read and reset them.
type settler struct {
	after    time.Duration
	minBytes int64
	start    time.Time    // the clock of last: time since start
	pending  atomic.Int64 // bytes applied since the last flush began
	last     atomic.Int64 // time since start of the last applied write
	armed    atomic.Bool  // a settling goroutine is waiting
	open     atomic.Bool  // Open succeeded: settling may start
	flushes  atomic.Uint64
}

func newSettler(after time.Duration, minBytes int64) *settler {
	if after <= 0 {
		after = settleAfter
	}
	if minBytes <= 0 {
		minBytes = settleMinBytes
	}
	return &settler{after: after, minBytes: minBytes, start: time.Now()}
}

// flushBegan is Pebble's FlushBegin event: whatever was pending is on its
// way to an sstable.
func (z *settler) flushBegan() { z.pending.Store(0) }

// wrote records a batch applied to the memtable and starts the settling
// goroutine if this write crossed the threshold and none waits.
func (s *Store) wrote(b *pebble.Batch) {
	z := s.settle
	z.last.Store(int64(time.Since(z.start)))
	z.pending.Add(int64(len(b.Repr())))
	s.maybeSettle()
}

// settleFrom lets settling start, once Open succeeded: the bulk jobs of an
// Open (a migration, an index rebuild) count their writes, but a goroutine
// started then would outlive an Open that fails after them and flush a
// closed Pebble.
func (s *Store) settleFrom() {
	s.settle.open.Store(true)
	s.maybeSettle()
}

func (s *Store) maybeSettle() {
	z := s.settle
	if z.open.Load() && z.pending.Load() >= z.minBytes && z.armed.CompareAndSwap(false, true) {
		go s.settleWhenQuiet()
	}
}

// settleWhenQuiet waits until no write was applied for settle.after, then
// flushes the memtable if it still holds enough (Pebble may have flushed it
// meanwhile). A write after the wait re-arms a new goroutine.
func (s *Store) settleWhenQuiet() {
	z := s.settle
	for {
		wait := time.Duration(z.last.Load()) + z.after - time.Since(z.start)
		if wait <= 0 {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.closedSignal:
			t.Stop()
			z.armed.Store(false)
			return
		}
	}
	z.armed.Store(false)
	if z.pending.Load() < z.minBytes || s.Writable() != nil || !s.acquire() {
		return
	}
	defer s.release()
	if err := s.db.Flush(); err != nil {
		s.log.V(1).Info("flush of a quiet store failed; Pebble flushes it when it fills", "error", err.Error())
		return
	}
	z.flushes.Add(1)
}
