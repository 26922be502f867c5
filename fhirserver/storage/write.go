package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Commit describes what one Write committed.
type Commit struct {
	// Records are the versions written, in the order they were staged.
	Records []*Record
	// LastUpdated is shared by every version of the commit.
	LastUpdated time.Time
	// Seq is the sequence number of the commit's last change; 0 when the
	// function staged no version (then nothing was written or synced, or
	// only application metadata was, see AppMeta.Put).
	Seq uint64
}

// Write runs fn in the store's single serial write order and commits what it
// staged as one Pebble batch, durably: Write returns only after the WAL holding
// the batch is fsynced. If fn returns an error (or panics), nothing it staged
// is written and no sequence number is used.
//
// fn sees the current state through tx, including commits of earlier Write
// calls that are applied but whose fsync is still in flight: a later commit
// can never survive a crash that loses an earlier one, because both share one
// WAL in this order. Keep fn short — every writer waits for it. Parse,
// validate and extract index entries before calling Write; inside fn only
// read, check preconditions, stamp and stage.
//
// The fsync happens after the serial section is released, so commits of
// concurrent writers share one fsync (group commit; see docs/storage.md).
// Once fn has returned nil the commit happens even if ctx ends meanwhile.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) (Commit, error) {
	if err := ctx.Err(); err != nil {
		return Commit{}, err
	}
	s.beginWrite()
	defer s.writes.Add(-1)
	b, c, err := s.stage(ctx, fn)
	if err != nil || b == nil {
		return Commit{}, err
	}
	defer s.inflight.Done()
	if err := s.syncWait(b); err != nil {
		// Pebble treats a failed WAL write as fatal; a failed sync leaves the
		// batch visible but not durable, so stop promising durability.
		err = fmt.Errorf("%w: sync WAL: %w", ErrFailed, err)
		s.fail(err)
		return Commit{}, err
	}
	_ = b.Close()
	s.commits.Add(1)
	s.advanceDurable(c.Seq)
	return c, nil
}

// stage runs fn under the write lock and applies its batch without waiting
// for the fsync. It returns a nil batch when there is nothing to sync.
// On success the caller owns one s.inflight count.
func (s *Store) stage(ctx context.Context, fn func(tx *Tx) error) (*pebble.Batch, Commit, error) {
	// Checked before the lock too: a commit held by the full disk may hold
	// it, and new writers should hear "disk full" at once.
	if s.disk.full.Load() {
		return nil, Commit{}, ErrDiskFull
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.writeClosed {
		return nil, Commit{}, ErrClosed
	}
	if err := s.Writable(); err != nil {
		return nil, Commit{}, err
	}
	// The client may have given up while we queued for the lock.
	if err := ctx.Err(); err != nil {
		return nil, Commit{}, err
	}
	micros := max(s.now().UnixMicro(), s.lastMicros+1)
	tx := &Tx{s: s, b: s.db.NewBatch(), now: fromMicros(micros), nextSeq: s.nextSeq}
	tx.rd = reader{r: s.db}
	committed := false
	defer func() {
		tx.done = true
		if !committed {
			_ = tx.b.Close()
		}
	}()
	if err := fn(tx); err != nil {
		return nil, Commit{}, err
	}
	if len(tx.records) == 0 && tx.appMetaWrites == 0 {
		return nil, Commit{}, nil
	}
	if err := s.apply(tx.b); err != nil {
		return nil, Commit{}, fmt.Errorf("apply batch: %w", err)
	}
	committed = true
	for typ, d := range tx.deltas {
		s.liveCounts[typ] += d
	}
	s.inflight.Add(1)
	if len(tx.records) == 0 {
		// Only application metadata: no stamp or sequence number was used.
		return tx.b, Commit{}, nil
	}
	s.nextSeq = tx.nextSeq
	s.lastMicros = micros
	return tx.b, Commit{Records: tx.records, LastUpdated: tx.now, Seq: tx.nextSeq - 1}, nil
}

// Tx is the view and staging area of one Write function; it is valid only
// while that function runs and is not safe for concurrent use. Reads through
// tx see the latest applied state plus what tx staged so far. Inside the
// function read through tx, not through the Store: Store reads wait for
// durability, which would hold every writer for an fsync.
//
// A Tx stages into a plain batch: most commits (a create, an update) only
// write, and their own reads — a Put's or Delete's current version and
// index list — are answered from the DB and from rd.staged, the keys of
// those two kinds this Tx wrote. Indexing every key in the batch cost as
// much as a tenth of the serial section. The first other read (Get, a scan,
// an index count, application metadata) turns the batch into an indexed one
// (view), which every later read goes through.
type Tx struct {
	s       *Store
	b       *pebble.Batch
	rd      reader
	indexed bool // b is indexed: rd reads through it, rd.staged is nil
	now     time.Time
	nextSeq uint64
	records []*Record
	done    bool
	// appMetaWrites counts application metadata records staged (AppMeta.Put
	// and Delete), so a commit of only those is still written.
	appMetaWrites int
	// deltas are this commit's changes to the live counts, added to
	// Store.liveCounts once the batch is applied.
	deltas map[string]int64
}

// liveCount is the number of live resources of typ as tx sees it. The
// committed counts are cached in memory (under the write lock) so a create
// does not pay a Pebble lookup for its counter.
func (tx *Tx) liveCount(typ string) (int64, error) {
	n, ok := tx.s.liveCounts[typ]
	if !ok {
		var err error
		if n, err = (reader{r: tx.s.db}).count(typ); err != nil {
			return 0, err
		}
		tx.s.liveCounts[typ] = n
	}
	return n + tx.deltas[typ], nil
}

var errTxDone = errors.New("storage: Tx used after its Write function returned")

// reindexVersion derives the index entries of the encoded record raw.
func reindexVersion(reindex Reindexer, raw []byte) ([]IndexEntry, error) {
	rec, err := decodeRecord(raw)
	if err != nil {
		return nil, err
	}
	es, err := reindex(rec)
	if err != nil {
		return nil, fmt.Errorf("derive the index entries of version %d: %w", rec.VersionID, err)
	}
	return es, nil
}

// view returns the reader that sees everything tx staged, turning its batch
// into an indexed one on first use: iterators read a batch only through its
// index.
func (tx *Tx) view() (reader, error) {
	if !tx.indexed {
		ib := tx.s.db.NewIndexedBatch()
		if err := ib.Apply(tx.b, nil); err != nil {
			_ = ib.Close()
			return reader{}, fmt.Errorf("storage: index the commit's batch: %w", err)
		}
		_ = tx.b.Close()
		tx.b, tx.rd, tx.indexed = ib, reader{r: ib}, true
	}
	return tx.rd, nil
}

// stagePoint records a current-record or index-list key the plain batch
// holds (value nil: deleted) for the reads of later writes of this Tx.
func (tx *Tx) stagePoint(key, value []byte) {
	if tx.indexed {
		return
	}
	if tx.rd.staged == nil {
		tx.rd.staged = make(map[string][]byte, 2)
	}
	tx.rd.staged[string(key)] = value
}

// Now is the lastUpdated of every version this commit writes.
func (tx *Tx) Now() time.Time { return tx.now }

// Put describes one new version.
type Put struct {
	Type string
	ID   string
	// Create requires that no version of Type/ID exists yet (ErrExists), which
	// guards server-assigned ids.
	Create bool
	// IfMatch, when non-zero, requires the current version to be live and to
	// have exactly this versionId (ErrVersionConflict otherwise): If-Match.
	IfMatch int64
	// Fresh, with Create, says that ID came from Store.NewID and, when
	// Store.NewIDsNeedCheck, that Store.Unused found it unused before Write:
	// no other writer can be writing it, and Put does not look it up. That
	// lookup, a miss through the memtable and every level's filter, was a
	// quarter of the serial section of a create.
	Fresh bool
	// Index holds the search index entries of the new version, computed by the
	// search engine before Write. They replace the previous version's entries.
	Index []IndexEntry
	// Stamp returns the resource JSON to store, with id, meta.versionId and
	// meta.lastUpdated set from v, plus index entries that depend on v (such as
	// _lastUpdated). It runs inside the serial section: keep it cheap. An error
	// from Stamp is returned by tx.Put and nothing is staged.
	Stamp func(v Version) (json []byte, index []IndexEntry, err error)
	// JSON is stored as is when Stamp is nil.
	JSON []byte
	// Reindex, when set, derives a version's index entries from its record
	// exactly as they were written (search.Reindexer, the extraction index
	// rebuilds run too). A write given Reindex stores no index list:
	// the entries of the version it supersedes come from that version's
	// list when it has one (written by an older build or by a caller
	// without Reindex), else from Reindex. Every writer of a store must then
	// pass it: a write without Reindex that supersedes a version without a
	// list deletes no entries.
	Reindex Reindexer
}

// Reindexer derives the index entries of a stored version from its record
// (see Put.Reindex). It runs inside the serial section, when a write
// supersedes a live version that has no index list.
type Reindexer func(rec *Record) ([]IndexEntry, error)

// Put stages a new version of p.Type/p.ID and returns its record.
func (tx *Tx) Put(p Put) (*Record, error) {
	if tx.done {
		return nil, errTxDone
	}
	if err := checkTypeID(p.Type, p.ID); err != nil {
		return nil, err
	}
	var prev []byte
	var cur header
	var found bool
	var err error
	if !p.Fresh || !p.Create {
		if prev, cur, found, err = tx.rd.currentRaw(p.Type, p.ID); err != nil {
			return nil, err
		}
	}
	if p.Create && found {
		return nil, fmt.Errorf("%w: %s/%s", ErrExists, p.Type, p.ID)
	}
	if p.IfMatch != 0 && (!found || cur.deleted() || cur.versionID != p.IfMatch) {
		return nil, fmt.Errorf("%w: %s/%s is at version %d, not %d", ErrVersionConflict, p.Type, p.ID, cur.versionID, p.IfMatch)
	}
	if !found && !p.Fresh && tx.s.claimID(p.ID) {
		// A new resource under an id the count may give later: from now
		// on new ids are looked up (ids.go).
		_ = tx.b.Set(keyMeta(metaIDsChecked), []byte{1}, nil)
	}
	op := OpCreate
	if found && !cur.deleted() {
		op = OpUpdate
	}
	v := Version{Type: p.Type, ID: p.ID, VersionID: cur.versionID + 1, LastUpdated: tx.now, Op: op}
	body := p.JSON
	// The Stamp's entries are kept apart from p.Index rather than appended
	// to a copy of it: that copy was the largest allocation of the serial
	// section.
	var extra []IndexEntry
	if p.Stamp != nil {
		if body, extra, err = p.Stamp(v); err != nil {
			return nil, err
		}
	}
	for _, es := range [2][]IndexEntry{p.Index, extra} {
		if err := checkEntries(es); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", p.Type, p.ID, err)
		}
	}
	rec := &Record{Type: p.Type, ID: p.ID, VersionID: v.VersionID, LastUpdated: tx.now, Op: op, Seq: tx.nextSeq, JSON: body}
	if err := tx.stageVersion(rec, [2][]IndexEntry{p.Index, extra}, previous{raw: prev, h: cur}, p.Reindex); err != nil {
		return nil, err
	}
	return rec, nil
}

// Delete describes a tombstone.
type Delete struct {
	Type string
	ID   string
	// IfMatch, when non-zero, requires the current version to have exactly
	// this versionId (ErrVersionConflict otherwise).
	IfMatch int64
	// Reindex derives the deleted version's index entries when it has no
	// index list (see Put.Reindex).
	Reindex Reindexer
}

// Delete stages a tombstone version of d.Type/d.ID and returns it. It returns
// ErrNotFound when the resource never existed and ErrGone when it is already
// deleted; in both cases nothing is staged.
func (tx *Tx) Delete(d Delete) (*Record, error) {
	if tx.done {
		return nil, errTxDone
	}
	if err := checkTypeID(d.Type, d.ID); err != nil {
		return nil, err
	}
	prev, cur, found, err := tx.rd.currentRaw(d.Type, d.ID)
	if err != nil {
		return nil, err
	}
	if d.IfMatch != 0 && (!found || cur.versionID != d.IfMatch) {
		return nil, fmt.Errorf("%w: %s/%s is at version %d, not %d", ErrVersionConflict, d.Type, d.ID, cur.versionID, d.IfMatch)
	}
	if !found {
		return nil, fmt.Errorf("%w: %s/%s", ErrNotFound, d.Type, d.ID)
	}
	if cur.deleted() {
		return nil, fmt.Errorf("%w: %s/%s", ErrGone, d.Type, d.ID)
	}
	rec := &Record{Type: d.Type, ID: d.ID, VersionID: cur.versionID + 1, LastUpdated: tx.now, Op: OpDelete, Deleted: true, Seq: tx.nextSeq}
	if err := tx.stageVersion(rec, [2][]IndexEntry{}, previous{raw: prev, h: cur}, d.Reindex); err != nil {
		return nil, err
	}
	return rec, nil
}

// previous is the version a write supersedes: the encoded record under the
// current key and its header; raw is nil when the resource is new.
type previous struct {
	raw []byte
	h   header
}

// stageVersion writes every key of one version into the batch: the record
// under the current key (moving the superseded one to its version key), type
// history, the change log, the index entries (replacing those of the previous
// version when it was live) and the live count. Everything that can fail is
// read first, so an error leaves the batch untouched even if the caller
// ignores it and commits its other writes.
//
// The new entries come in two parts (the search engine's and the Stamp's),
// written as if concatenated. With reindex, the version gets no index list,
// and the superseded one's entries are derived from its record when it has
// none.
func (tx *Tx) stageVersion(rec *Record, entries [2][]IndexEntry, prev previous, reindex Reindexer) error {
	wasLive := prev.raw != nil && !prev.h.deleted()
	var old []IndexEntry
	hadList := false
	if wasLive {
		var err error
		if old, hadList, err = tx.rd.idxList(rec.Type, rec.ID); err != nil {
			return err
		}
		if !hadList && reindex != nil {
			if old, err = reindexVersion(reindex, prev.raw); err != nil {
				return fmt.Errorf("%s/%s: %w", rec.Type, rec.ID, err)
			}
		}
	}
	var delta, count int64
	if isLive := !rec.Deleted; isLive != wasLive {
		delta = 1
		if !isLive {
			delta = -1
		}
		n, err := tx.liveCount(rec.Type)
		if err != nil {
			return err
		}
		count = n + delta
	}

	b := tx.b
	// One buffer for every index key and the index list, if the version
	// gets one: the batch copies keys and values. Sized for the largest of
	// them (the list, else the longest key, its value escaped), so it is
	// allocated once.
	n := 0
	for _, es := range entries {
		for _, e := range es {
			if reindex == nil {
				n += 2*binary.MaxVarintLen32 + len(e.Param) + len(e.Value)
			} else {
				n = max(n, len(e.Param)+2*len(e.Value))
			}
		}
	}
	kb := make([]byte, 0, 64+len(rec.Type)+len(rec.ID)+n)
	// A parameter's entries come one after another: its code is looked up
	// once per run of them.
	var param string
	var code uint16
	known := false
	for _, e := range old {
		if e.Param != param || param == "" {
			param = e.Param
			code, known = tx.s.codes.lookup(rec.Type, e.Param)
		}
		if !known {
			continue // no entry of the parameter was ever written
		}
		kb = appendKeyIndex(kb[:0], code, e.Value, rec.ID)
		_ = b.Delete(kb, nil)
	}
	if hadList {
		k := keyIdxList(rec.Type, rec.ID)
		_ = b.Delete(k, nil)
		tx.stagePoint(k, nil)
	}
	// Sets after the deletes win within a batch, so an entry kept from the
	// previous version survives.
	param = ""
	for _, es := range entries {
		for _, e := range es {
			if e.Param != param || param == "" {
				var err error
				if code, err = tx.s.indexCode(rec.Type, e.Param); err != nil {
					return err
				}
				param = e.Param
			}
			tx.s.tags.markPresent(code, e.Value) // before the batch is applied
			kb = appendKeyIndex(kb[:0], code, e.Value, rec.ID)
			_ = b.Set(kb, nil, nil)
		}
	}
	if reindex == nil && len(entries[0])+len(entries[1]) > 0 {
		kb = appendIdxList(appendIdxList(kb[:0], entries[0]), entries[1])
		k := keyIdxList(rec.Type, rec.ID)
		_ = b.Set(k, kb, nil)
		tx.stagePoint(k, kb) // kb is not written to again
	}
	if prev.raw != nil {
		// The superseded record moves to its version key in the batch that
		// replaces the current key, so a reader never misses it (see
		// reader.version). A tombstone moves like any other version.
		_ = b.Set(keyVersion(rec.Type, rec.ID, prev.h.versionID), prev.raw, nil)
	}
	cur := encodeRecord(rec)
	_ = b.Set(keyCurrent(rec.Type, rec.ID), cur, nil)
	tx.stagePoint(keyCurrent(rec.Type, rec.ID), cur)
	_ = b.Set(keyTypeLog(rec.Type, rec.Seq), encodeTypeLog(rec.ID, rec.VersionID), nil)
	_ = b.Set(keyChange(rec.Seq), encodeChange(rec), nil)
	if delta != 0 {
		if tx.deltas == nil {
			tx.deltas = map[string]int64{}
		}
		tx.deltas[rec.Type] += delta
		_ = b.Set(keyCount(rec.Type), encodeCount(count), nil)
	}
	tx.nextSeq++
	tx.records = append(tx.records, rec)
	return nil
}
