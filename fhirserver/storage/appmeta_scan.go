package storage

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// AppMetaRecord is one record a Scan returns.
type AppMetaRecord struct {
	Key  string
	Data []byte
}

// Scan returns, in key order, up to limit records of the namespace whose
// keys start with prefix and sort after after ("" = from the first), leaving
// out those expired at now. A part that lists its records a page at a time
// (the aggregator's outcomes by status) passes the last key of a page as
// the after of the next, so a page costs its own size, not its offset.
func (m *AppMeta) Scan(prefix, after string, limit int, now time.Time) ([]AppMetaRecord, error) {
	var out []AppMetaRecord
	err := m.s.read(func() error {
		lower := keyAppMeta(m.ns, []byte(prefix))
		if after != "" {
			// The first key after `after`: after followed by a zero byte.
			lower = append(keyAppMeta(m.ns, []byte(after)), 0)
		}
		upper := prefixEnd(keyAppMeta(m.ns, []byte(prefix)))
		it, err := m.s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
		if err != nil {
			return fmt.Errorf("scan %s records: %w", m.ns, err)
		}
		defer it.Close()
		nsLen := len(keyAppMetaPrefix(m.ns))
		for it.First(); it.Valid() && len(out) < limit; it.Next() {
			if appMetaExpired(it.Value(), now) {
				continue
			}
			out = append(out, AppMetaRecord{Key: string(it.Key()[nsLen:]), Data: append([]byte(nil), it.Value()[8:]...)})
		}
		if err := it.Error(); err != nil {
			return fmt.Errorf("scan %s records: %w", m.ns, err)
		}
		return nil
	})
	return out, err
}
