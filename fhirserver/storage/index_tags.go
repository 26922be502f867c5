package storage

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// Which runs of the index are empty. The search package's entries start
// with a tag byte (its doc.go), and a query reads one run per tag it needs:
// a string value's run and its merged twin, say. Most parameters leave one
// of the two empty in every resource (a family name is one value, so its
// value run holds nothing), and a probe of an empty range still seeks
// through the memtables and every level: ~9 µs, 5 % of a `family=` search.
// The store remembers, per (type, parameter, tag), that no entry exists, so
// a View's scan of that run is answered without a seek.
//
// An entry can appear only through a write, which marks its (type,
// parameter, tag) present before its batch is applied (stageVersion, the
// index rebuild), and present is never undone. Absent is learnt by a View
// that found the whole run empty, and holds for that View and every later
// one — unless a write has marked it present since: the mark comes before
// the batch, the learner's CAS only moves from unknown, and a View reads
// the state after its snapshot. An earlier View may still see entries
// deleted before the run was found empty, so absent records the epoch of
// the View that learnt it (Views are numbered in snapshot order), and only
// Views from that epoch on rely on it. Nothing is persisted: after Open
// every run is unknown until a View finds it empty again. A (type,
// parameter) without an index code (index_codes.go) has no entries at all:
// its runs need no state.

// tagKey is one run: the entries of the (type, parameter) whose index code
// is code and whose value starts with tag.
type tagKey struct {
	code uint16
	tag  byte
}

// Tag states: unknown, present, or tagAbsent+epoch (absent from that
// View's epoch on).
const (
	tagUnknown = 0
	tagPresent = 1
	tagAbsent  = 2
)

// indexTags holds the state of every run asked about or written since Open.
type indexTags struct {
	m sync.Map // tagKey -> *atomic.Uint64
}

func (t *indexTags) state(k tagKey) *atomic.Uint64 {
	if v, ok := t.m.Load(k); ok {
		return v.(*atomic.Uint64)
	}
	v, _ := t.m.LoadOrStore(k, new(atomic.Uint64))
	return v.(*atomic.Uint64)
}

// markPresent records that the (type, parameter) of code has an entry
// starting with value's first byte: called for every entry before its
// batch is applied.
func (t *indexTags) markPresent(code uint16, value []byte) {
	if len(value) == 0 {
		return
	}
	if st := t.state(tagKey{code, value[0]}); st.Load() != tagPresent {
		st.Store(tagPresent)
	}
}

// load returns run k's state (tagUnknown when never asked about).
func (t *indexTags) load(k tagKey) uint64 {
	if v, ok := t.m.Load(k); ok {
		return v.(*atomic.Uint64).Load()
	}
	return tagUnknown
}

// absentFor reports whether a run in state st is empty for the View of
// epoch.
func absentFor(st, epoch uint64) bool {
	return st >= tagAbsent && st-tagAbsent <= epoch
}

// learnAbsent records that the View of epoch found run k empty, unless its
// state is already known.
func (t *indexTags) learnAbsent(k tagKey, epoch uint64) {
	t.state(k).CompareAndSwap(tagUnknown, tagAbsent+epoch)
}

// learnPresent records that a View found an entry in run k: whatever a
// later View sees, assuming an entry is there only costs it a seek.
func (t *indexTags) learnPresent(k tagKey) {
	t.state(k).CompareAndSwap(tagUnknown, tagPresent)
}

// oneTag returns the tag of the run q reads within, when its range lies
// inside the entries starting with one byte.
func (q IndexQuery) oneTag() (byte, bool) {
	if len(q.Lo) == 0 || q.Hi == nil {
		return 0, false
	}
	t := q.Lo[0]
	if len(q.Hi) > 0 && q.Hi[0] == t || t < 0xff && bytes.Equal(q.Hi, []byte{t + 1}) {
		return t, true
	}
	return 0, false
}

// run returns the run q reads within and the state of it the store knows
// (tagUnknown when it knows none); ok is false when q's range spans
// several tags or its (type, parameter) has no code.
func (s *Store) run(q IndexQuery) (k tagKey, st uint64, ok bool) {
	tag, one := q.oneTag()
	if !one {
		return tagKey{}, 0, false
	}
	code, known := s.codes.lookup(q.Type, q.Param)
	if !known {
		return tagKey{}, 0, false
	}
	k = tagKey{code, tag}
	return k, s.tags.load(k), true
}
