package storage

import (
	"context"

	"github.com/cockroachdb/pebble/v2"
)

// This file is the group commit: how a commit waits for its fsync outside
// the serial section, and the durable watermark that keeps readers from
// seeing what a crash could take back (docs/storage.md, "Durability").

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
