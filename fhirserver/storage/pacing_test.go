package storage

import (
	"math"
	"sync"
	"testing"
	"time"
)

// pacingClock is a scheduler's clock for pacing tests: the compaction's
// work advances it by hand, and a rest is recorded and advances it too.
type pacingClock struct {
	t     time.Time
	rests []time.Duration
}

func (c *pacingClock) now() time.Time { return c.t }
func (c *pacingClock) sleep(d time.Duration) {
	c.rests = append(c.rests, d)
	c.t = c.t.Add(d)
}

// TestCompactionRestsWhileTheStoreIsBusy: a compaction rests as long as it
// worked after each slice of work while the store is busy; not while the
// store is idle, not while another compaction waits, and never longer than
// paceMaxRest.
func TestCompactionRestsWhileTheStoreIsBusy(t *testing.T) {
	clock := &pacingClock{t: time.Unix(1e9, 0)}
	busy := true
	db := &fakeDB{}
	s := newEventScheduler()
	s.db, s.now, s.sleep = db, clock.now, clock.sleep
	s.pace = func() bool { return busy }
	h := s.handle()
	h.Started()
	work := func(d time.Duration) []time.Duration {
		clock.rests = nil
		clock.t = clock.t.Add(d)
		h.CumulativeStats(struct{ CumWriteBytes uint64 }{})
		return clock.rests
	}

	if got := work(paceSlice / 2); len(got) != 0 {
		t.Fatalf("half a slice of work: rests %v, want none", got)
	}
	if got := work(paceSlice / 2); len(got) != 1 || got[0] != paceSlice {
		t.Fatalf("a slice of work (two calls): rests %v, want [%v]", got, paceSlice)
	}
	if got := work(paceSlice / 2); len(got) != 0 {
		t.Fatalf("the work after a rest counts from the rest's end: rests %v, want none", got)
	}
	work(paceSlice) // rests 1.5 slices: the rest is as long as the work
	if got := work(10 * paceSlice); len(got) != 1 || got[0] != paceMaxRest {
		t.Fatalf("ten slices since the last rest: rests %v, want [%v]", got, paceMaxRest)
	}

	busy = false
	if got := work(3 * paceSlice); len(got) != 0 {
		t.Fatalf("an idle store: rests %v, want none", got)
	}
	if got := work(paceSlice / 2); len(got) != 0 {
		t.Fatalf("the slice restarts after an unpaced one: rests %v, want none", got)
	}

	busy = true
	db.set(1, 1) // another compaction waits
	if got := work(3 * paceSlice); len(got) != 0 {
		t.Fatalf("another compaction waiting: rests %v, want none", got)
	}
	db.set(1, 0)
	if got := work(3 * paceSlice); len(got) != 1 {
		t.Fatalf("busy again, nothing waiting: rests %v, want one", got)
	}

	s.pace = nil
	if got := work(3 * paceSlice); len(got) != 0 {
		t.Fatalf("a scheduler without pacing: rests %v, want none", got)
	}
}

// TestBusyStoresCompactionsRest: in a real store, an L0 compaction rests
// between slices of its work while the store is busy, and runs straight
// through while it is not.
func TestBusyStoresCompactionsRest(t *testing.T) {
	for _, busy := range []bool{true, false} {
		t.Run(map[bool]string{true: "busy", false: "idle"}[busy], func(t *testing.T) {
			var mu sync.Mutex
			var rests int
			s, err := Open(t.TempDir(), Options{compactionRest: func(time.Duration) {
				mu.Lock()
				rests++
				mu.Unlock()
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			if busy {
				s.busyUntil.Store(math.MaxInt64)
			}
			// Four overlapping flushes of 5,000 records each: enough for
			// the compaction that follows to work several slices.
			for round := range 4 {
				flushSpread(t, s, round, 5000)
			}
			deadline := time.Now().Add(30 * time.Second)
			for m := s.db.Metrics(); m.Compact.Count == 0 || m.Levels[0].Sublevels > 0; m = s.db.Metrics() {
				if time.Now().After(deadline) {
					t.Fatalf("no compaction of four flushes: %s", m)
				}
				time.Sleep(10 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			if busy && rests == 0 {
				t.Fatal("a busy store's compaction never rested")
			}
			if !busy && rests != 0 {
				t.Fatalf("an idle store's compaction rested %d times", rests)
			}
		})
	}
}
