package storage

import (
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// A compaction paced while the store is busy. On a small node a
// compaction holds a core for as long as it runs, and the tenant's
// requests need that core: with 64 clients creating Patients on two
// cores, the creates' rate fell by two fifths while one ran, and most
// creates slower than 20 ms started then (BENCHMARKS.md "Compactions that
// yield to a busy store"). Pebble hands a compaction's grant handle its
// stats every 128 keys, from the compaction's own goroutine, and lets the
// handle block there: after each paceSlice of work the compaction rests as
// long again, so under load it takes about half a core for twice as long
// and leaves the rest to the requests. The work is the same; only its
// spread changes. (A rest of twice the work was worse: compactions then
// ran two thirds of the time.)
//
// Nothing is paced when the store is not busy (there is nothing to leave
// the core to), nor while another compaction waits: the store is falling
// behind, L0 deepens and at L0StopWritesThreshold writes would stop, so
// pacing never brings a write stall closer. Flushes are not paced: a
// slow flush holds the memtables the writes need.
const (
	paceSlice = 2 * time.Millisecond
	// paceMaxRest bounds one rest: the time since the compaction last
	// rested is wall time, and a goroutine descheduled for a while did
	// not work all of it.
	paceMaxRest = 2 * paceSlice
)

// pacedCompaction is the grant handle of one compaction.
type pacedCompaction struct {
	s       *eventScheduler
	resumed time.Time // when the compaction last started or resumed work
}

var _ pebble.CompactionGrantHandle = (*pacedCompaction)(nil)

func (s *eventScheduler) handle() pebble.CompactionGrantHandle { return &pacedCompaction{s: s} }

// Started implements pebble.CompactionGrantHandle.
func (h *pacedCompaction) Started() { h.resumed = h.s.now() }

// MeasureCPU implements pebble.CompactionGrantHandle.
func (h *pacedCompaction) MeasureCPU(pebble.CompactionGoroutineKind) {}

// CumulativeStats implements pebble.CompactionGrantHandle: Pebble calls it
// every 128 keys from the compaction's goroutine, which rests here.
func (h *pacedCompaction) CumulativeStats(pebble.CompactionGrantHandleStats) {
	now := h.s.now()
	ran := now.Sub(h.resumed)
	if ran < paceSlice {
		return
	}
	if h.s.yield() {
		h.s.sleep(min(ran, paceMaxRest))
		now = h.s.now()
	}
	h.resumed = now
}

// Done implements pebble.CompactionGrantHandle.
func (h *pacedCompaction) Done() { h.s.release() }

// yield reports whether a compaction should rest now: the store is busy
// and no other compaction is waiting.
func (s *eventScheduler) yield() bool {
	if s.pace == nil || !s.pace() {
		return false
	}
	waiting, _ := s.db.GetWaitingCompaction()
	return !waiting
}
