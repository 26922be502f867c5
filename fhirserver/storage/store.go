package storage

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/go-logr/logr"
)

// DefaultCacheBytes is the most a store's block cache grows to. It starts
// at 8 MiB (a small tenant's) and grows with the store's sstables
// (cache.go): most endpoints are small, and every one of them would
// otherwise grow by up to the cache size once read.
const DefaultCacheBytes = 64 << 20

// l0Flushes is how many overlapping flushes wait in L0 before Pebble
// compacts them into the level below (see Open): Pebble's default is two.
const l0Flushes = 4

// Options configure Open. The zero value is usable.
type Options struct {
	// Logger receives store events (open, rebuild progress, close). Pebble's
	// own messages go to Logger.V(1).
	Logger logr.Logger
	// Now is the clock for lastUpdated; tests may set it. Default time.Now.
	Now func() time.Time
	// CacheBytes is the most the Pebble block cache grows to. Default
	// DefaultCacheBytes. The cache starts at CacheStartBytes and grows with
	// the store's sstables (cache.go). It fills only as blocks are read, so
	// idle memory does not pay for it; under load it is what a tenant's RSS
	// grows by. It keeps the index and filter blocks of fresh sstables
	// cached, which the existence checks of every create read.
	CacheBytes int64
	// CacheStartBytes is the block cache of a small store; default 8 MiB,
	// never more than CacheBytes. Equal to CacheBytes: a fixed cache.
	CacheStartBytes int64
	// MemTableBytes is the Pebble memtable size. Default 16 MiB. Pebble
	// starts with a 256 KiB memtable and doubles up to this, so idle memory
	// does not pay for it either; a larger one flushes and compacts less
	// often, and compaction is a quarter of the CPU of a create.
	MemTableBytes uint64
	// MinSyncInterval is the shortest time between two WAL fsyncs while
	// the store is busy (busyWriters writes in progress at once, Expecting
	// and Write, within busyWindow): the commits that arrive meanwhile share
	// the next fsync instead of each pair paying its own (durable.go).
	// Fewer writers are never held.
	// Default DefaultMinSyncInterval; negative: every waiting commit is
	// synced at once.
	MinSyncInterval time.Duration

	// syncMode chooses how writers wait for the WAL fsync (benchmarks compare).
	syncMode syncMode
	// fs replaces the OS file system in tests (Pebble's crashable MemFS
	// drops everything not fsynced).
	fs vfs.FS
	// diskPoll is how often a full disk is checked for space (tests shorten
	// it); default diskPollInterval.
	diskPoll time.Duration
	// migrateBatch replaces the resources per batch of a format migration
	// (tests make it small); migrateHook, when set, runs after each of its
	// batches but the last, so a test can crash the store there.
	migrateBatch int
	migrateHook  func(s *Store, batches int)
	// settleAfter and settleMinBytes replace the quiet time and the least
	// memtable of settle.go (tests make them small).
	settleAfter    time.Duration
	settleMinBytes int64
	// compactionRest replaces the rest of a paced compaction (pacing.go).
	compactionRest func(time.Duration)
}

// syncMode is how a commit waits for durability outside the serial section.
type syncMode uint8

const (
	// syncApplyNoSyncWait: Pebble's ApplyNoSyncWait under the lock, then
	// Batch.SyncWait outside it (one WAL write per commit).
	syncApplyNoSyncWait syncMode = iota
	// syncLogData: Apply with NoSync under the lock, then an empty LogData
	// record with Sync outside it (two WAL records per commit).
	syncLogData
)

// Store is an open Pebble store. All methods are safe for concurrent use.
type Store struct {
	db      *pebble.DB
	cache   *cacheSizer
	dir     string
	log     logr.Logger
	now     func() time.Time
	storeID string
	mode    syncMode

	// Pebble panics on use after Close, so every read holds a count in
	// readers (acquire/release) and Close waits for them. A counter rather
	// than an RWMutex because iterators yield to callers that read again.
	lifeMu  sync.Mutex
	closed  bool
	readers sync.WaitGroup

	// writeMu is the serial write order: every Write function runs holding it.
	writeMu sync.Mutex
	// Fields below are owned by writeMu.
	nextSeq     uint64 // sequence number of the next change
	liveCounts  map[string]int64
	lastMicros  int64 // lastUpdated of the last commit (µs)
	writeClosed bool
	inflight    sync.WaitGroup // commits applied but still waiting for fsync
	// writes counts the writes in progress: on their way to Write
	// (Expecting) or inside Write until durable (durable.go).
	writes atomic.Int64
	// busyUntil is when the store stops counting as under load: busyWindow
	// after busyWriters writes were last in progress (durable.go), in
	// nanoseconds since opened.
	busyUntil atomic.Int64
	opened    time.Time // the monotonic base of busyUntil
	// syncDelay is Pebble's WALMinSyncInterval (durable.go); nil: none.
	syncDelay func() time.Duration
	failed    atomic.Pointer[error]
	failedCh  chan struct{} // closed when failed is set
	disk      *diskWatch
	commits   atomic.Uint64
	// lastDiskUsage is the size Metrics last read, reported while the disk
	// is full.
	lastDiskUsage atomic.Uint64
	durable       atomic.Uint64 // highest sequence number known durable
	durableMu     sync.Mutex
	durableCh     chan struct{} // closed and replaced whenever durable advances
	fingerprint   atomic.Pointer[string]
	closedSignal  chan struct{}
	// settle flushes the memtable once writes pause (settle.go).
	settle *settler
	// tags knows which runs of the index are empty (index_tags.go).
	tags indexTags
	// codes are the (type, parameter) codes of the index keys.
	codes indexCodes
	// ids gives the server-assigned ids (ids.go).
	ids idSource
	// viewMu numbers the Views in the order of their snapshots.
	viewMu    sync.Mutex
	viewEpoch uint64
}

// Open opens (creating if needed) the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log.GetSink() == nil {
		log = logr.Discard()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	cacheBytes := opts.CacheBytes
	if cacheBytes <= 0 {
		cacheBytes = DefaultCacheBytes
	}
	memBytes := opts.MemTableBytes
	if memBytes == 0 {
		memBytes = 16 << 20
	}
	baseFS := opts.fs
	if baseFS == nil {
		baseFS = vfs.Default
	}
	poll := opts.diskPoll
	if poll <= 0 {
		poll = diskPollInterval
	}
	// Writes resume once a memtable flush and the next pre-allocated WAL
	// (110% of the memtable) fit, with room to spare.
	disk := newDiskWatch(baseFS, dir, log, 3*memBytes, poll)
	startBytes := opts.CacheStartBytes
	if startBytes <= 0 {
		startBytes = cacheStartBytes
	}
	sizer := newCacheSizer(startBytes, cacheBytes)
	cache := sizer.cache
	sizing := false
	defer func() {
		if !sizing { // Open failed: Pebble, if it opened, was closed
			sizer.close(false)
		}
	}()
	po := &pebble.Options{
		Cache:              cache,
		MemTableSize:       memBytes,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{log.V(1)},
		FS:                 vfs.OnDiskFull(baseFS, disk.onDiskFull),
	}
	// Writes look up keys that mostly do not exist yet (the current key
	// and index list of a new resource); without Bloom filters each miss
	// reads an index block of every overlapping sstable. Deeper levels
	// inherit the policy.
	po.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	// A resource's index keys spread over the whole key space, so every L0
	// table overlaps all of Lbase and each L0 compaction rewrites it.
	// Pebble compacts L0 once it is half its L0CompactionThreshold deep (4:
	// every second flush); waiting for four flushes halves those rewrites:
	// under 64 creating clients compactions ran 40 % of the time, now 19 %,
	// and nearly every create slower than 20 ms came while one ran
	// (BENCHMARKS.md "Four flushes before an L0 compaction"). Writes stop
	// at 24 sublevels (Pebble's 12, for its 4).
	po.L0CompactionThreshold = 2 * l0Flushes
	po.L0StopWritesThreshold = 6 * l0Flushes
	// One index block per sstable up to ~20 MB of data (Pebble's default,
	// 4 KiB, partitions the index of every table past ~300 KB): a point
	// read then searches one index block, not a top-level index and then
	// a partition: a Get takes about a sixth less CPU (BENCHMARKS.md).
	po.Levels[0].IndexBlockSize = 256 << 10
	settle := newSettler(opts.settleAfter, opts.settleMinBytes)
	// The Store exists before Pebble does: the fsync delay counts its
	// writes in progress (durable.go).
	s := &Store{opened: time.Now()}
	var syncDelay func() time.Duration
	if iv := opts.MinSyncInterval; iv >= 0 {
		if iv == 0 {
			iv = DefaultMinSyncInterval
		}
		syncDelay = minSyncInterval(s, iv)
		po.WALMinSyncInterval = syncDelay
	}
	po.EventListener = eventListener(log, disk, sizer.tablesChanged, settle.flushBegan)
	sched := newEventScheduler() // no 100 ms poll while idle
	sched.pace = s.busy          // compactions yield to a busy store (pacing.go)
	if opts.compactionRest != nil {
		sched.sleep = opts.compactionRest
	}
	po.Experimental.CompactionScheduler = sched
	start := time.Now()
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, diskFullError(err))
	}
	// Field by field, not a struct assignment: Pebble's WAL writer may
	// already be reading s.busyUntil and s.opened.
	s.db, s.dir, s.log, s.now, s.mode, s.disk, s.cache = db, dir, log, now, opts.syncMode, disk, sizer
	s.durableCh, s.closedSignal, s.failedCh = make(chan struct{}), make(chan struct{}), make(chan struct{})
	s.liveCounts, s.settle, s.syncDelay = map[string]int64{}, settle, syncDelay
	if err := s.loadMeta(opts); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", dir, diskFullError(err))
	}
	// Whatever the WAL replay recovered may have been written but never
	// fsynced (a killed process leaves it in the page cache); sync it before
	// the change feed exposes it.
	if err := db.LogData(nil, pebble.Sync); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: sync recovered WAL: %w", dir, diskFullError(err))
	}
	s.durable.Store(s.nextSeq - 1)
	sizing = true
	go sizer.run(db)
	s.settleFrom()
	log.Info("store open", "dir", dir, "lastSeq", s.nextSeq-1, "storeID", s.storeID,
		"took", time.Since(start).String())
	return s, nil
}

// Close waits for commits in flight, flushes the memtable (so the next Open
// need not replay the WAL) and closes Pebble. Later calls return ErrClosed.
//
// While the disk is full, Pebble's writes are held (see disk_full.go) and
// closing it would wait for them or fail them: Close then leaves Pebble as
// it is and returns ErrDiskFull. The WAL has every acknowledged commit, and
// the next Open replays it, as after a crash.
func (s *Store) Close() error {
	if s.disk.full.Load() {
		s.disk.close()
		s.cache.close(true)
		s.lifeMu.Lock()
		if !s.closed {
			s.closed = true
			close(s.closedSignal)
		}
		s.lifeMu.Unlock()
		s.log.Info("store left unclosed: the disk is full; the next start replays the WAL", "dir", s.dir,
			"lastSeq", s.durable.Load())
		return fmt.Errorf("close store: %w", ErrDiskFull)
	}
	s.writeMu.Lock()
	if s.writeClosed {
		s.writeMu.Unlock()
		return ErrClosed
	}
	s.writeClosed = true
	s.writeMu.Unlock()
	s.inflight.Wait()

	s.lifeMu.Lock()
	if s.closed { // left by a Close during a full disk
		s.lifeMu.Unlock()
		return ErrClosed
	}
	s.closed = true
	close(s.closedSignal)
	s.lifeMu.Unlock()
	s.readers.Wait()
	var errs []error
	if s.failed.Load() == nil {
		if err := s.db.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("flush store: %w", err))
		}
	}
	s.cache.close(true)
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	s.log.Info("store closed", "dir", s.dir, "lastSeq", s.durable.Load())
	return errors.Join(errs...)
}

// acquire pins the Pebble handle open; false when the store is closed.
func (s *Store) acquire() bool {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.closed {
		return false
	}
	s.readers.Add(1)
	return true
}

func (s *Store) release() { s.readers.Done() }

// read runs fn with the Pebble handle pinned open.
func (s *Store) read(fn func() error) error {
	if !s.acquire() {
		return ErrClosed
	}
	defer s.release()
	return fn()
}

// Metrics are the figures the server exports.
type Metrics struct {
	// DiskUsageBytes is the size of the store's files (sstables, WAL, manifest).
	DiskUsageBytes uint64
	// LastSeq is the highest durable change sequence number.
	LastSeq uint64
	// Commits counts Write calls that committed since Open.
	Commits uint64
	// Writable is false while writes cannot succeed: the disk is full or
	// the store failed.
	Writable bool
	// DiskFullEvents counts the times the disk was found full since Open.
	DiskFullEvents uint64
	// SyncFailures is 1 once a WAL fsync failed (the store then needs a
	// restart), else 0.
	SyncFailures uint64
}

// Metrics returns current figures; cheap enough for every Prometheus scrape.
func (s *Store) Metrics() Metrics {
	m := Metrics{LastSeq: s.durable.Load(), Commits: s.commits.Load(),
		Writable: s.Writable() == nil, DiskFullEvents: s.disk.events.Load()}
	if s.failed.Load() != nil {
		m.SyncFailures = 1
	}
	if s.disk.full.Load() {
		// Pebble's metrics take its mutex, which a flush held by the
		// full disk may keep: report the size of the last scrape.
		m.DiskUsageBytes = s.lastDiskUsage.Load()
		return m
	}
	_ = s.read(func() error {
		m.DiskUsageBytes = s.db.Metrics().DiskSpaceUsage()
		s.lastDiskUsage.Store(m.DiskUsageBytes)
		return nil
	})
	return m
}

// Writable is nil while writes can succeed; ErrDiskFull while the disk is
// full (writes resume by themselves when space returns); an ErrFailed error
// once the store failed for good (a restart is needed).
func (s *Store) Writable() error {
	if p := s.failed.Load(); p != nil {
		return *p
	}
	if s.disk.full.Load() {
		return ErrDiskFull
	}
	return nil
}

// Failed is closed when the store fails for good (Writable returns an
// ErrFailed error): the process should stop and restart, which recovers
// every acknowledged commit from the WAL.
func (s *Store) Failed() <-chan struct{} { return s.failedCh }

// fail records a failure that needs a restart, once, and wakes everyone
// waiting for durability.
func (s *Store) fail(err error) {
	if !s.failed.CompareAndSwap(nil, &err) {
		return
	}
	s.log.Error(err, "store failed: refusing writes; restart the process (the WAL replay keeps every acknowledged write)",
		"dir", s.dir, "lastSeq", s.durable.Load())
	close(s.failedCh)
	s.signalDurable()
}

// diskFullError marks an ENOSPC as ErrDiskFull, so callers can tell it.
func diskFullError(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// StoreID is the random id given to the store at creation; change-feed
// cursors carry it so a cursor from another store is rejected.
func (s *Store) StoreID() string { return s.storeID }

// eventListener logs the Pebble events an operator needs to explain slow
// writes: write stalls (compactions falling behind), slow disks and
// background errors.
func eventListener(log logr.Logger, disk *diskWatch, tablesChanged, flushBegan func()) *pebble.EventListener {
	return &pebble.EventListener{
		FlushBegin:      func(pebble.FlushInfo) { flushBegan() },
		FlushEnd:        func(pebble.FlushInfo) { tablesChanged() },
		CompactionEnd:   func(pebble.CompactionInfo) { tablesChanged() },
		BackgroundError: func(err error) { log.Error(err, "pebble background error") },
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			log.Info("writes stalled", "reason", info.Reason)
		},
		WriteStallEnd: func() { log.Info("writes resumed") },
		DiskSlow: func(info pebble.DiskSlowInfo) {
			if disk.full.Load() {
				return // held on purpose until space returns (disk_full.go)
			}
			log.Info("slow disk", "path", info.Path, "operation", info.OpType.String(), "duration", info.Duration.String())
		},
	}
}

// pebbleLogger routes Pebble's messages to logr.
type pebbleLogger struct{ log logr.Logger }

func (l pebbleLogger) Infof(format string, args ...any) { l.log.Info(fmt.Sprintf(format, args...)) }
func (l pebbleLogger) Errorf(format string, args ...any) {
	l.log.Error(nil, fmt.Sprintf(format, args...))
}
func (l pebbleLogger) Fatalf(format string, args ...any) {
	// Pebble calls Fatalf when continuing would corrupt data and expects the
	// process to stop; a panic could be recovered by net/http, so exit.
	l.log.Error(nil, "pebble fatal: "+fmt.Sprintf(format, args...))
	os.Exit(70)
}
