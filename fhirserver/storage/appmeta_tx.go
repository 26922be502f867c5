package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Application metadata written inside a Write goes into the same Pebble
// batch as the versions that Write stages: a follower that applies a page
// of another server's changes and moves its cursor in one Write can never
// find, after a crash, the cursor ahead of the changes it covers (changes
// skipped) or behind them (changes applied twice without knowing it).
// docs/storage.md has the worked example of a follower's records.

// Put stages key → data, expiring at expires (zero: never), in tx's batch:
// it is written and fsynced with the rest of the commit, or not at all.
// A Write that stages only application metadata still commits (with
// Commit.Seq 0: it adds nothing to the change feed).
//
// REQUIRES: the namespace is not also written with PutIfAbsent, whose
// read-then-write is atomic only against itself.
func (m *AppMeta) Put(tx *Tx, key string, data []byte, expires time.Time) error {
	if tx.done {
		return errTxDone
	}
	if err := checkAppMetaKey(key); err != nil {
		return err
	}
	_ = tx.b.Set(keyAppMeta(m.ns, []byte(key)), encodeAppMeta(data, expires), nil)
	tx.appMetaWrites++
	return nil
}

// Delete stages the removal of key in tx's batch (a no-op when absent).
func (m *AppMeta) Delete(tx *Tx, key string) error {
	if tx.done {
		return errTxDone
	}
	if err := checkAppMetaKey(key); err != nil {
		return err
	}
	_ = tx.b.Delete(keyAppMeta(m.ns, []byte(key)), nil)
	tx.appMetaWrites++
	return nil
}

// GetTx returns the data of key as tx sees it (its own staged records
// included) and whether a record exists that has not expired at now.
func (m *AppMeta) GetTx(tx *Tx, key string, now time.Time) ([]byte, bool, error) {
	if tx.done {
		return nil, false, errTxDone
	}
	rd, err := tx.view()
	if err != nil {
		return nil, false, err
	}
	return m.get(rd.r, key, now)
}

// Get returns the data of key and whether a record exists that has not
// expired at now. It reads the latest applied state: a record staged by a
// Write whose fsync is still in flight is already visible (a crash would
// take it back together with that Write's versions). A follower reads its
// cursor with Get when it starts and with GetTx inside its Writes.
func (m *AppMeta) Get(key string, now time.Time) ([]byte, bool, error) {
	var (
		data  []byte
		found bool
	)
	err := m.s.read(func() error {
		var err error
		data, found, err = m.get(m.s.db, key, now)
		return err
	})
	return data, found, err
}

func (m *AppMeta) get(r pebble.Reader, key string, now time.Time) ([]byte, bool, error) {
	if err := checkAppMetaKey(key); err != nil {
		return nil, false, err
	}
	v, closer, err := r.Get(keyAppMeta(m.ns, []byte(key)))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s record: %w", m.ns, err)
	}
	defer closer.Close()
	if appMetaExpired(v, now) {
		return nil, false, nil
	}
	return append([]byte(nil), v[8:]...), true, nil
}

func checkAppMetaKey(key string) error {
	if key == "" || len(key) > maxAppMetaKey {
		return fmt.Errorf("%w: application metadata key of %d bytes", ErrInvalidKey, len(key))
	}
	return nil
}

// encodeAppMeta is a record's value: expiry (Unix ns, 0 = never), data.
func encodeAppMeta(data []byte, expires time.Time) []byte {
	var exp int64
	if !expires.IsZero() {
		exp = expires.UnixNano()
	}
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(data)), uint64(exp)), data...)
}
