package storage

import (
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// The block cache follows the store's size. A fleet runs hundreds of small
// tenants, each of which would grow by up to its cache once read, so a
// small store's cache is small (cacheStartBytes), and a larger store's cache
// is four times its sstables on disk (cacheTablesFactor), up to
// Options.CacheBytes: reads and searches of a 20,000-Patient store cost
// half the CPU or less with such a cache as with 8 MiB (BENCHMARKS.md), and
// a tenant's cache never holds much more than its data (with a fixed large
// cache, blocks of sstables that compactions replaced stay until the cache
// is full). The
// cache is created at its largest and shrunk with a reservation (Pebble's
// Cache.Reserve, which costs no memory), re-fitted after every flush and
// compaction.

// cacheStartBytes is the block cache of a small store.
const cacheStartBytes = 8 << 20

// cacheStep is the granularity of a re-fit, so that small changes of the
// store do not churn the reservation.
const cacheStep = 1 << 20

// cacheSizer keeps a cache's usable size at the store's sstables, between
// min and max.
type cacheSizer struct {
	cache    *pebble.Cache
	min, max int64

	mu      sync.Mutex
	size    int64  // usable size now
	release func() // releases the reservation that makes it so; nil when size == max

	refit     chan struct{} // flush or compaction ended
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newCacheSizer(least, most int64) *cacheSizer {
	least = max(cacheStep, min(least, most))
	z := &cacheSizer{cache: pebble.NewCache(most), min: least, max: most, size: most,
		refit: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	z.fit(0)
	return z
}

// cacheTablesFactor is the cache a store gets per byte of its sstables.
// Pebble caches blocks decompressed, and its columnar blocks compress index
// keys by their shared prefixes besides Snappy: 196 MB of creates became
// 60 MB of sstables (3.3×). So a cache of a fixed multiple of the sstables
// holds less of the store the better it compresses: twice them held the
// records a 20,000-Patient store's reads and searches touch while index
// entries were most of the store, and stopped doing so each time they
// shrank (index format 7, and again with format 13, when family= searches
// went from ~200 to ~400 µs of CPU reading blocks from disk). Four times
// holds about the whole store decompressed.
const cacheTablesFactor = 4

// fit sets the usable size for a store of tableBytes.
func (z *cacheSizer) fit(tableBytes int64) {
	want := (cacheTablesFactor*tableBytes + cacheStep - 1) / cacheStep * cacheStep
	want = max(z.min, min(z.max, want))
	z.mu.Lock()
	defer z.mu.Unlock()
	if want == z.size {
		return
	}
	// Release first: two reservations at once could exceed the cache and
	// evict everything.
	if z.release != nil {
		z.release()
		z.release = nil
	}
	if want < z.max {
		z.release = z.cache.Reserve(int(z.max - want))
	}
	z.size = want
}

// Size is the usable size of the cache now.
func (z *cacheSizer) Size() int64 {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.size
}

// tablesChanged asks the sizer to re-fit (from Pebble's event listener,
// which must not block).
func (z *cacheSizer) tablesChanged() {
	select {
	case z.refit <- struct{}{}:
	default:
	}
}

// run re-fits the cache to db's sstables now and after each change until
// close. It sleeps in between: an idle store does not wake it.
func (z *cacheSizer) run(db *pebble.DB) {
	defer close(z.done)
	for {
		z.fit(db.Metrics().Total().TablesSize)
		select {
		case <-z.refit:
		case <-z.stop:
			return
		}
	}
}

// close stops run (if it was started) and drops the sizer's reference to
// the cache (Pebble holds its own until it closes). Later calls do nothing.
func (z *cacheSizer) close(started bool) {
	z.closeOnce.Do(func() {
		if started {
			close(z.stop)
			<-z.done
		}
		z.cache.Unref()
	})
}
