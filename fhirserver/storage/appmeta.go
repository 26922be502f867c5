package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Application metadata is a small area for records the server's other
// parts keep beside the resources, each part in its own namespace: the
// private_key_jwt assertion ids already used (so an assertion is accepted
// once, even across restarts), and a follower's cursors and source
// versions, written in the same batch as the copies they describe
// (appmeta_tx.go). Records are not FHIR data: they are not versioned, not
// indexed and not in the change feed. Each may carry an expiry after which
// it counts as absent and DeleteExpired drops it.

// Namespaces of application metadata; docs/storage.md lists them with the
// shape of their keys.
const (
	// AppMetaUsedJTIs: key <client id> 00 <hash of the jti>, no data,
	// expires when the assertion does.
	AppMetaUsedJTIs = "auth-jti"
	// AppMetaFollowCursors: key <source>, data the cursor of that source's
	// change feed after the last change applied; written in the Write that
	// applies the changes (appmeta_tx.go), never expires.
	AppMetaFollowCursors = "follow"
	// AppMetaSourceVersions: key SourceVersionKey(source, type, id), data
	// EncodeSourceVersion: the source's version a copy was made from, so a
	// replayed change is recognised and skipped; never expires.
	AppMetaSourceVersions = "follow-version"
	// AppMetaAggOutcomes: key <type>/<id>, data the aggregator's latest
	// outcome for that resource (fhirserver/rest's encoding), never expires.
	AppMetaAggOutcomes = "agg-outcome"
	// AppMetaAggOutcomesByStatus: key <status>/<type>/<id>, no data: the
	// index the list of outcomes by status is read from, written in the
	// same batch as the outcome it points at; never expires.
	AppMetaAggOutcomesByStatus = "agg-outcome-status"
	// AppMetaRegistrations: key <NHS number>, data when the patient first
	// signed in (aggregator/registration), never expires.
	AppMetaRegistrations = "reg-registered"
	// AppMetaInvitations: key the hex SHA-256 of an invitation token, data
	// the invitation (code, patient, customer, expiry, when used); expires
	// with the invitation.
	AppMetaInvitations = "reg-invitation"
	// AppMetaReadReceipts: key DocumentReference/<id>, data the first read
	// by a patient token; never expires.
	AppMetaReadReceipts = "reg-read-receipt"
	// AppMetaMailOutbox: key <unix nanos>-<random>, data an invitation mail
	// of $process-message waiting to be sent; deleted once the SMTP server
	// took it.
	AppMetaMailOutbox = "reg-mail-outbox"
)

// maxAppMetaKey bounds a record key.
const maxAppMetaKey = 1024

// AppMeta is one namespace of application metadata.
//
// REQUIRES: one AppMeta per namespace in a process; PutIfAbsent is atomic
// only against calls on the same AppMeta.
type AppMeta struct {
	s  *Store
	ns string
	mu sync.Mutex // serialises PutIfAbsent's read and write
}

// AppMeta returns the namespace ns (a name without NUL, at most 64 bytes).
func (s *Store) AppMeta(ns string) (*AppMeta, error) {
	if !validName(ns, maxNameLen) {
		return nil, fmt.Errorf("%w: application metadata namespace %q", ErrInvalidKey, ns)
	}
	return &AppMeta{s: s, ns: ns}, nil
}

// PutIfAbsent stores key → data until expires (zero: for ever) unless a
// record of key exists that has not expired at now, and reports whether it
// stored it. It returns after the record is fsynced: a caller may act on
// true as on a durable fact.
func (m *AppMeta) PutIfAbsent(key string, data []byte, expires, now time.Time) (bool, error) {
	if err := checkAppMetaKey(key); err != nil {
		return false, err
	}
	k := keyAppMeta(m.ns, []byte(key))
	m.mu.Lock()
	defer m.mu.Unlock()
	stored := false
	err := m.s.read(func() error {
		if p := m.s.failed.Load(); p != nil {
			return *p
		}
		v, closer, err := m.s.db.Get(k)
		switch {
		case errors.Is(err, pebble.ErrNotFound):
		case err != nil:
			return fmt.Errorf("read %s record: %w", m.ns, err)
		default:
			live := !appMetaExpired(v, now)
			_ = closer.Close()
			if live {
				return nil
			}
		}
		if err := m.s.db.Set(k, encodeAppMeta(data, expires), pebble.Sync); err != nil {
			return fmt.Errorf("write %s record: %w", m.ns, err)
		}
		stored = true
		return nil
	})
	return stored, err
}

// DeleteExpired drops the namespace's records that expired at now and
// returns how many. The deletions are not synced: one lost in a crash is
// dropped again by the next call.
func (m *AppMeta) DeleteExpired(now time.Time) (int, error) {
	n := 0
	err := m.s.read(func() error {
		lower := keyAppMetaPrefix(m.ns)
		it, err := m.s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: prefixEnd(lower)})
		if err != nil {
			return fmt.Errorf("scan %s records: %w", m.ns, err)
		}
		defer it.Close()
		b := m.s.db.NewBatch()
		defer b.Close()
		for it.First(); it.Valid(); it.Next() {
			if appMetaExpired(it.Value(), now) {
				_ = b.Delete(it.Key(), nil)
				n++
			}
		}
		if err := it.Error(); err != nil {
			return fmt.Errorf("scan %s records: %w", m.ns, err)
		}
		if n == 0 {
			return nil
		}
		return b.Commit(pebble.NoSync)
	})
	return n, err
}

// appMetaExpired reports whether a record value's expiry is at or before
// now. A value too short to hold one is treated as expired.
func appMetaExpired(v []byte, now time.Time) bool {
	if len(v) < 8 {
		return true
	}
	exp := int64(binary.BigEndian.Uint64(v))
	return exp != 0 && now.UnixNano() >= exp
}
