package storage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// Index keys name their (type, parameter) with a two-byte code instead of
// the two names ("i Patient 00 address-postalcode 00 …"): a resource's
// index keys are most of the keys a write inserts, and the names were
// about a third of their bytes, which the memtable inserts and compares
// and every flush and compaction copies. A code is given the first time an
// entry of its (type, parameter) is written and never changes; the codes
// live in the meta area (metaIndexCode) and in memory.
//
// A new code is written in a batch of its own, under the serial write
// order and before the first entry that uses it, with no fsync: the WAL is
// written in order, so a crash that loses the code loses every entry
// written with it too. Only then is it published to readers, so a reader
// that knows no code for a (type, parameter) knows that it has no entries.
type indexCodes struct {
	byName atomic.Pointer[map[string]uint16] // <type> 00 <param> → code
	last   uint16                            // the highest code given; under the store's writeMu
}

// errTooManyIndexCodes: every two-byte code is taken.
var errTooManyIndexCodes = fmt.Errorf("%w: more than %d indexed (type, parameter) pairs", ErrInvalidKey, math.MaxUint16)

// codeName writes the in-memory name of (typ, param) into dst.
func codeName(dst []byte, typ, param string) []byte {
	return append(append(append(dst, typ...), 0), param...)
}

// lookup returns the code of (typ, param), if it has one. It does not
// allocate for names of usual length.
func (c *indexCodes) lookup(typ, param string) (uint16, bool) {
	var buf [96]byte
	code, ok := (*c.byName.Load())[string(codeName(buf[:0], typ, param))]
	return code, ok
}

// loadIndexCodes reads the codes of the meta area.
func (s *Store) loadIndexCodes() error {
	m := map[string]uint16{}
	prefix := keyIndexCodePrefix()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return fmt.Errorf("read index codes: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		name, v := it.Key()[len(prefix):], it.Value()
		if len(v) != indexCodeLen || bytes.IndexByte(name, 0) < 0 {
			return fmt.Errorf("read index codes: bad entry %q = %x", it.Key(), v)
		}
		code := binary.BigEndian.Uint16(v)
		m[string(name)] = code
		s.codes.last = max(s.codes.last, code)
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("read index codes: %w", err)
	}
	s.codes.byName.Store(&m)
	return nil
}

// indexCode returns the code of (typ, param), giving it the next free code
// if it has none. The caller holds writeMu.
func (s *Store) indexCode(typ, param string) (uint16, error) {
	if code, ok := s.codes.lookup(typ, param); ok {
		return code, nil
	}
	if s.codes.last == math.MaxUint16 {
		return 0, errTooManyIndexCodes
	}
	code := s.codes.last + 1
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set(keyIndexCode(typ, param), binary.BigEndian.AppendUint16(nil, code), nil)
	if err := s.db.Apply(b, pebble.NoSync); err != nil {
		return 0, fmt.Errorf("storage: record the index code of %s.%s: %w", typ, param, diskFullError(err))
	}
	s.codes.last = code
	m := maps.Clone(*s.codes.byName.Load())
	m[string(codeName(nil, typ, param))] = code
	s.codes.byName.Store(&m)
	return code, nil
}
