package storage

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// An idle store must cost nothing: a tenant fleet runs hundreds of idle
// servers on one machine. Pebble's default compaction scheduler
// (pebble.ConcurrencyLimitScheduler) wakes every 100 ms to look for
// waiting compactions, which keeps the Go runtime of an otherwise idle
// process busy (0.3 % of a core per server measured; 65 % of a core across
// 500). That poll exists to coordinate several stores of one node; a
// server has one store, and everything that can make a compaction
// runnable is an event the scheduler hears of: the store asks
// (TrySchedule), a compaction ends (Done), or a flush raises the allowed
// concurrency (UpdateGetAllowedWithoutPermission). eventScheduler grants
// on those events, and keeps a slow safety sweep for anything else while
// the store is busy.

// compactionSweepEvery is the safety sweep's period: a minute, because it
// is a safety net (every runnable compaction so far was announced by an
// event) and each wake-up of an idle server costs ~0.3 ms of CPU here.
// The sweep stops once a whole period passed without an event (nothing
// changed that a sweep could find) and starts again with the next one, so
// an idle store does not wake for it at all.
const compactionSweepEvery = time.Minute

// eventScheduler is a pebble.CompactionScheduler for a single store that
// grants compactions up to the store's own allowance, on events.
type eventScheduler struct {
	db   pebble.DBForCompaction
	stop chan struct{}
	done chan struct{}

	sweepEvery time.Duration
	active     atomic.Bool   // an event since the last sweep
	wake       chan struct{} // an event after the sweep stopped

	// pace, when set, says whether the store is busy; a compaction then
	// rests between slices of its work (pacing.go). now and sleep are
	// the clock it rests by.
	pace  func() bool
	now   func() time.Time
	sleep func(time.Duration)

	mu       sync.Mutex
	running  int
	closed   bool
	granting bool
	idle     *sync.Cond // signalled when granting ends
}

var _ pebble.CompactionScheduler = (*eventScheduler)(nil)

func newEventScheduler() *eventScheduler {
	s := &eventScheduler{stop: make(chan struct{}), done: make(chan struct{}),
		sweepEvery: compactionSweepEvery, wake: make(chan struct{}, 1),
		now: time.Now, sleep: time.Sleep}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// Register implements pebble.CompactionScheduler.
func (s *eventScheduler) Register(_ int, db pebble.DBForCompaction) {
	s.db = db
	go s.sweep()
}

// Unregister implements pebble.CompactionScheduler: no grant is made after
// it returns.
func (s *eventScheduler) Unregister() {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for s.granting {
		s.idle.Wait()
	}
}

// TrySchedule implements pebble.CompactionScheduler.
func (s *eventScheduler) TrySchedule() (bool, pebble.CompactionGrantHandle) {
	s.event()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.db.GetAllowedWithoutPermission() <= s.running {
		return false, nil
	}
	s.running++
	return true, s.handle()
}

// UpdateGetAllowedWithoutPermission implements pebble.CompactionScheduler.
// It runs under the store's locks, so the grant (which calls back into
// the store) happens on a goroutine of its own.
func (s *eventScheduler) UpdateGetAllowedWithoutPermission() {
	s.event()
	go s.grant()
}

// event notes store activity for the safety sweep, waking it if it stopped.
func (s *eventScheduler) event() {
	if !s.active.Swap(true) {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// release frees a compaction's slot, so a waiting compaction may start.
func (s *eventScheduler) release() {
	s.event()
	s.mu.Lock()
	s.running--
	s.mu.Unlock()
	s.grant()
}

// grant starts waiting compactions while the store allows more than run.
func (s *eventScheduler) grant() {
	s.mu.Lock()
	for s.granting {
		s.idle.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.granting = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.granting = false
		s.idle.Broadcast()
		s.mu.Unlock()
	}()
	for {
		s.mu.Lock()
		free := s.db.GetAllowedWithoutPermission() > s.running
		s.mu.Unlock()
		if !free {
			return
		}
		if waiting, _ := s.db.GetWaitingCompaction(); !waiting {
			return
		}
		s.mu.Lock()
		s.running++ // Schedule exercises the handle, whose Done gives it back
		s.mu.Unlock()
		if !s.db.Schedule(s.handle()) {
			s.mu.Lock()
			s.running--
			s.mu.Unlock()
			return
		}
	}
}

// sweep grants now and then whatever no event announced, while there are
// events; after a period without any it waits for the next.
func (s *eventScheduler) sweep() {
	defer close(s.done)
	t := time.NewTimer(s.sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-s.stop:
			return
		}
		select {
		case <-s.wake: // stale: the sweep is running
		default:
		}
		if !s.active.Swap(false) {
			select {
			case <-s.wake:
			case <-s.stop:
				return
			}
		} else {
			s.grant()
		}
		t.Reset(s.sweepEvery)
	}
}
