package storage

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// The meta area (prefix m): the store's format, id, index fingerprint,
// index codes and id area, read once by Open, which migrates an older format
// (migrate.go) and finds the write position.

// storeFormat is the version of the key layout and value encodings. Open
// migrates a store of an older format and refuses one of a newer format.
//
//   - 1: the current key held the current version's header, and every
//     version, the current one too, was under its version key.
//   - 2: the current key holds the current version's whole record and
//     version keys hold only superseded versions, so reading a current
//     version is one point read (migrate.go moves format-1 stores).
//   - 3: index keys name their (type, parameter) with a two-byte code
//     (index_codes.go) instead of the two names; Open drops the index
//     entries of older stores, and the search engine rebuilds them.
//   - 4: server-assigned ids come from a count under a keyed permutation
//     (ids.go); Open gives an older store its key and marks it, if it
//     holds resources, as one whose new ids are looked up.
const storeFormat = 4

// loadMeta reads or initialises the meta area (migrating an older store
// format) and the write position.
func (s *Store) loadMeta(opts Options) error {
	format, err := s.getMeta(metaFormat)
	if err != nil {
		return err
	}
	if format == nil {
		id := make([]byte, 8)
		_, _ = rand.Read(id)
		b := s.db.NewBatch()
		defer b.Close()
		_ = b.Set(keyMeta(metaFormat), binary.AppendUvarint(nil, storeFormat), nil)
		_ = b.Set(keyMeta(metaStoreID), []byte(hex.EncodeToString(id)), nil)
		if err := b.Commit(pebble.Sync); err != nil {
			return fmt.Errorf("initialise meta: %w", err)
		}
		format = binary.AppendUvarint(nil, storeFormat)
	}
	v, _ := binary.Uvarint(format)
	switch v {
	case 1:
		if err := s.startMigration(v); err != nil {
			return err
		}
		v = storeFormat
	case 2:
		if err := s.dropIndexLayout(v); err != nil {
			return err
		}
		v = storeFormat
	case 3:
		// Format 4 only adds the id area, which loadIDs writes with the
		// format.
		v = storeFormat
	}
	if v != storeFormat {
		return fmt.Errorf("store format %d, this build reads format %d", v, storeFormat)
	}
	from, err := s.getMeta(metaMigrating)
	if err != nil {
		return err
	}
	if from != nil {
		if err := s.migrateFormat1(opts); err != nil {
			return err
		}
	}
	id, err := s.getMeta(metaStoreID)
	if err != nil {
		return err
	}
	s.storeID = string(id)
	if err := s.loadIndexCodes(); err != nil {
		return err
	}
	if err := s.loadIDs(); err != nil {
		return err
	}
	fp, err := s.getMeta(metaFingerprint)
	if err != nil {
		return err
	}
	fps := string(fp)
	s.fingerprint.Store(&fps)

	// The write position continues after the last change.
	s.nextSeq = 1
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixChange}, UpperBound: []byte{prefixChange + 1}})
	if err != nil {
		return fmt.Errorf("read change log: %w", err)
	}
	defer it.Close()
	if it.Last() {
		c, err := decodeChange(it.Value())
		if err != nil {
			return fmt.Errorf("read last change: %w", err)
		}
		s.nextSeq = seqFromChangeKey(it.Key()) + 1
		s.lastMicros = c.LastUpdated.UnixMicro()
	}
	return it.Error()
}

func (s *Store) getMeta(name string) ([]byte, error) {
	v, closer, err := s.db.Get(keyMeta(name))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read meta %s: %w", name, err)
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}
