package storage

import (
	"context"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// This file is the group commit: how a commit waits for its fsync outside
// the serial section, and the durable watermark that keeps readers from
// seeing what a crash could take back (docs/storage.md, "Durability").

// DefaultMinSyncInterval is Options.MinSyncInterval's default, the delay
// Pebble's authors suggest: with 64 clients creating Patients over HTTP,
// holding the fsync while the store is busy cut a create's server CPU by
// about a tenth (BENCHMARKS.md, "Holding the fsync while the store is
// busy").
const DefaultMinSyncInterval = 500 * time.Microsecond

// busyWriters and busyWindow say when the store is under load: for
// busyWindow after busyWriters writes were in progress at once — on their
// way to the store (Expecting) or inside Write until durable — the next
// fsync waits out the interval, however many are in progress at that
// instant. With 64 closed-loop clients most of a client's cycle is spent
// where the store cannot count it (its own process, the sockets, net/http
// reading the request): at the end of an fsync fewer than 8 writes were
// counted at 31 % of them and none on its way at 58 %, yet new commits
// kept arriving within the interval; 16 at once say more are coming. With
// fewer writers nothing waits: over HTTP a lone client's creates went at
// half the rate with every fsync held and four clients' a sixth slower,
// and eight writers that never pause lose a quarter in process
// (BENCHMARKS.md, "Fewer WAL fsyncs under load" and "Holding the fsync
// while the store is busy").
const (
	busyWriters = 16
	busyWindow  = 10 * time.Millisecond
)

// minSyncInterval is Pebble's WALMinSyncInterval: after an fsync, the next
// one waits until iv has passed while the store is busy (busyWriters,
// busyWindow). Pebble keeps writing the WAL meanwhile and only holds the
// fsync, so a commit is still acknowledged only once its fsync is done
// (durability is unchanged); what changes is how many commits one fsync
// covers. Under load each fdatasync and the wake-ups around it cost CPU
// the requests need, and back-to-back fsyncs of one or two commits each
// keep the writers queued behind them.
func minSyncInterval(s *Store, iv time.Duration) func() time.Duration {
	return func() time.Duration {
		if s.busy() {
			return iv
		}
		return 0
	}
}

// beginWrite counts one more write in progress (the caller defers
// s.writes.Add(-1)): at busyWriters or more the store counts as busy for
// busyWindow.
func (s *Store) beginWrite() {
	if s.writes.Add(1) >= busyWriters {
		s.busyUntil.Store(int64(time.Since(s.opened) + busyWindow))
	}
}

// busy reports whether busyWriters writes were in progress within the last
// busyWindow.
func (s *Store) busy() bool { return int64(time.Since(s.opened)) < s.busyUntil.Load() }

// Expecting runs f counted as a write on its way to the store: f reads,
// parses or indexes a write that calls Write next. The writes on their way
// count towards busyWriters, so under load they share a held fsync.
func (s *Store) Expecting(f func() error) error {
	s.beginWrite()
	defer s.writes.Add(-1) // also if f panics
	return f()
}

// apply makes the batch visible without waiting for its fsync.
func (s *Store) apply(b *pebble.Batch) error {
	var err error
	if s.mode == syncLogData {
		err = s.db.Apply(b, pebble.NoSync)
	} else {
		err = s.db.ApplyNoSyncWait(b, pebble.Sync)
	}
	if err == nil {
		s.wrote(b)
	}
	return err
}

// syncWait waits until the WAL holding b is fsynced. Pebble's WAL writer
// coalesces waiting syncs: while one fsync runs, every batch written after it
// is covered by the next one.
func (s *Store) syncWait(b *pebble.Batch) error {
	if s.mode == syncLogData {
		return s.db.LogData(nil, pebble.Sync)
	}
	return b.SyncWait()
}

// advanceDurable raises the durable watermark to seq. Commits finish their
// fsync wait in any order, but the WAL is written in sequence order, so the
// fsync that covers seq covers every smaller one too.
func (s *Store) advanceDurable(seq uint64) {
	for {
		cur := s.durable.Load()
		if seq <= cur {
			return
		}
		if s.durable.CompareAndSwap(cur, seq) {
			break
		}
	}
	s.signalDurable()
}

// signalDurable wakes everyone waiting in waitDurable or WaitForChanges.
func (s *Store) signalDurable() {
	s.durableMu.Lock()
	close(s.durableCh)
	s.durableCh = make(chan struct{})
	s.durableMu.Unlock()
}

// waitDurable waits until change seq is durable. Reads call it when they
// observed a version whose fsync is still in flight, so nothing a reader sees
// can be lost by a crash (the wait is at most one fsync).
func (s *Store) waitDurable(ctx context.Context, seq uint64) error {
	for {
		if s.durable.Load() >= seq {
			return nil
		}
		s.durableMu.Lock()
		ch := s.durableCh
		s.durableMu.Unlock()
		if s.durable.Load() >= seq {
			return nil
		}
		if p := s.failed.Load(); p != nil {
			return *p
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closedSignal:
			return ErrClosed
		}
	}
}
