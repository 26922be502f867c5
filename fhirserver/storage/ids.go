package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// Server-assigned ids are unique by construction: the store counts the ids
// it has given and writes each count through a keyed permutation of the
// 80-bit numbers, so two ids are never the same, and an id says nothing
// about how many came before it (the key is the store's own, drawn when
// the store was made). A create with such an id needs no lookup, which a
// random id needed to be sure it superseded nothing: that lookup read the
// bottom-level block where the id would be, about a tenth of a create.
//
// The count is reserved ahead in blocks (metaIDReserved, fsynced before the
// first id of a block is given), so a restart continues after every id
// given before it and skips the rest of the block.
//
// Only ids from the count are known distinct. A store that may hold an id
// of the same shape from elsewhere marks itself (metaIDsChecked), and its
// new ids are then looked up as before (NewIDsNeedCheck): a store made by
// an older build that holds resources (their ids were random), and a store
// in which a write created a resource with an id of the shape that the
// count has not reached yet (an update that creates, with a client's id).

// idReserveBlock is how many ids one fsynced reservation covers.
const idReserveBlock = 4096

// idEncoding writes ids in lower-case base32: letters and digits only, so
// they are valid FHIR ids and safe in URLs. 80 bits are 16 characters.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// idRounds is the Feistel network's rounds: four make a pseudo-random
// permutation of AES's (Luby and Rackoff), two more are margin.
const idRounds = 6

// idSource gives the store's server-assigned ids.
type idSource struct {
	block cipher.Block
	// checked is set once new ids must be looked up (NewIDsNeedCheck).
	checked atomic.Bool

	mu   sync.Mutex
	next uint64 // the count of the next id
	ceil uint64 // the reserved count: ids below it may be given
}

// IsServerID reports whether id has the shape of the ids NewID gives: 16
// characters of lower-case base32. An id of any other shape was a client's.
func IsServerID(id string) bool {
	if len(id) != 16 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// NewID returns a new server-assigned id: one no resource of the store
// has, unless NewIDsNeedCheck says the store may hold ids of the same
// shape from elsewhere.
func (s *Store) NewID() (string, error) {
	ids := &s.ids
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if ids.next >= ids.ceil {
		ceil := ids.next + idReserveBlock
		err := s.read(func() error {
			return s.db.Set(keyMeta(metaIDReserved), binary.AppendUvarint(nil, ceil), pebble.Sync)
		})
		if err != nil {
			return "", fmt.Errorf("reserve ids: %w", diskFullError(err))
		}
		ids.ceil = ceil
	}
	n := ids.next
	ids.next++
	return ids.encode(n), nil
}

// NewIDsNeedCheck reports whether an id from NewID must be looked up
// (Unused) before it is created with Put.Fresh: the store may hold an id
// of the same shape that did not come from its count.
func (s *Store) NewIDsNeedCheck() bool { return s.ids.checked.Load() }

// encode writes count n as an id.
func (ids *idSource) encode(n uint64) string {
	var b [10]byte
	binary.BigEndian.PutUint64(b[2:], n)
	ids.permute(&b, false)
	return idEncoding.EncodeToString(b[:])
}

// decode returns the count an id of server shape encodes.
func (ids *idSource) decode(id string) (hi uint16, n uint64, ok bool) {
	var b [10]byte
	if m, err := idEncoding.Decode(b[:], []byte(id)); err != nil || m != len(b) {
		return 0, 0, false
	}
	ids.permute(&b, true)
	return binary.BigEndian.Uint16(b[:2]), binary.BigEndian.Uint64(b[2:]), true
}

// permute runs the balanced Feistel network over the 80 bits of b (two
// halves of 40 bits, AES of the round and the right half as the round
// function), or its inverse.
func (ids *idSource) permute(b *[10]byte, inverse bool) {
	var in, out [aes.BlockSize]byte
	l, r := b[:5], b[5:]
	round := func(i int, l, r []byte) {
		in[0] = byte(i)
		copy(in[1:6], r)
		ids.block.Encrypt(out[:], in[:])
		for j := range 5 {
			l[j] ^= out[j]
		}
	}
	if !inverse {
		for i := range idRounds {
			round(i, l, r)
			l, r = r, l
		}
	} else {
		for i := idRounds - 1; i >= 0; i-- {
			l, r = r, l
			round(i, l, r)
		}
	}
	// After an even number of rounds the halves are back in place.
}

// claimID is called, under the serial write order, for a write that
// creates typ/id other than with an id NewID gave it unlooked-up (Put.Fresh):
// if id has the shape of the count's ids and the count has not given it
// yet, the count might give it again, so from this write on new ids are
// looked up. It returns whether the mark must be written with the write.
func (s *Store) claimID(id string) bool {
	if s.ids.checked.Load() || !IsServerID(id) {
		return false
	}
	hi, n, ok := s.ids.decode(id)
	if !ok {
		return false
	}
	s.ids.mu.Lock()
	given := hi == 0 && n < s.ids.next
	s.ids.mu.Unlock()
	if given {
		return false
	}
	s.ids.checked.Store(true)
	return true
}

// loadIDs reads the id area, giving a store without one its key (and the
// mark, if it already holds resources: their ids were drawn at random).
func (s *Store) loadIDs() error {
	key, err := s.getMeta(metaIDKey)
	if err != nil {
		return err
	}
	if key == nil {
		if key, err = s.addIDArea(); err != nil {
			return err
		}
	}
	if s.ids.block, err = aes.NewCipher(key); err != nil {
		return fmt.Errorf("read the id key: %w", err)
	}
	reserved, err := s.getMeta(metaIDReserved)
	if err != nil {
		return err
	}
	if reserved != nil {
		n, m := binary.Uvarint(reserved)
		if m <= 0 {
			return fmt.Errorf("read meta %s: bad value %x", metaIDReserved, reserved)
		}
		s.ids.next, s.ids.ceil = n, n
	}
	checked, err := s.getMeta(metaIDsChecked)
	if err != nil {
		return err
	}
	s.ids.checked.Store(checked != nil)
	return nil
}

// addIDArea writes a new id key, and the mark when the store holds any
// resource, with the current store format, in one fsynced batch.
func (s *Store) addIDArea() ([]byte, error) {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	held, err := s.holdsResources()
	if err != nil {
		return nil, err
	}
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, storeFormat), nil)
	_ = b.Set(keyMeta(metaIDKey), key, nil)
	if held {
		_ = b.Set(keyMeta(metaIDsChecked), []byte{1}, nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return nil, fmt.Errorf("write the id key: %w", diskFullError(err))
	}
	return key, nil
}

// holdsResources reports whether the store has any version of any resource.
func (s *Store) holdsResources() (bool, error) {
	for _, p := range []byte{prefixCurrent, prefixVersion} {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{p}, UpperBound: []byte{p + 1}})
		if err != nil {
			return false, fmt.Errorf("look for resources: %w", err)
		}
		held := it.First()
		err = it.Error()
		_ = it.Close()
		if err != nil {
			return false, fmt.Errorf("look for resources: %w", err)
		}
		if held {
			return true, nil
		}
	}
	return false, nil
}
