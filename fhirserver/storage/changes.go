package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Change is one committed change in the change feed.
type Change struct {
	// Seq is the change's sequence number: 1, 2, 3, … in commit order with no
	// gaps (a number is used only by a change that committed).
	Seq         uint64
	Op          Op
	Type        string
	ID          string
	VersionID   int64
	LastUpdated time.Time
	// Cursor resumes the feed right after this change.
	Cursor string
}

// ChangePage is one answer of Changes.
type ChangePage struct {
	Changes []Change
	// Next is the cursor to pass next time: after the last change returned,
	// or the cursor given when there was none.
	Next string
}

// Cursor returns the change-feed cursor positioned after sequence number
// seq (0 = before the first change).
func (s *Store) Cursor(seq uint64) string {
	return s.storeID + "-" + strconv.FormatUint(seq, 10)
}

// HeadCursor returns a cursor after the last durable change: a reader that
// starts there sees only changes committed from now on.
func (s *Store) HeadCursor() string { return s.Cursor(s.durable.Load()) }

// parseCursor returns the sequence number a cursor points after. The empty
// cursor is the start of the feed.
func (s *Store) parseCursor(c string) (uint64, error) {
	if c == "" {
		return 0, nil
	}
	id, num, ok := strings.Cut(c, "-")
	if !ok || id != s.storeID {
		return 0, fmt.Errorf("%w: %q is not a cursor of this store", ErrBadCursor, c)
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %w", ErrBadCursor, c, err)
	}
	return seq, nil
}

// Changes returns up to limit changes after the cursor, in sequence order.
// Only durable changes are returned, so a reader never sees a change that a
// crash could take back; following Next, every change comes exactly once.
// A cursor from the future (beyond the last durable change) is accepted and
// simply returns nothing until the feed gets there.
func (s *Store) Changes(ctx context.Context, after string, limit int) (ChangePage, error) {
	seq, err := s.parseCursor(after)
	if err != nil {
		return ChangePage{}, err
	}
	if limit <= 0 {
		limit = 100
	}
	page := ChangePage{Next: s.Cursor(seq)}
	durable := s.durable.Load()
	if seq >= durable {
		return page, nil
	}
	err = s.read(func() error {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: keyChange(seq + 1), UpperBound: keyChange(durable + 1)})
		if err != nil {
			return fmt.Errorf("read change log: %w", err)
		}
		defer it.Close()
		for ok := it.First(); ok && len(page.Changes) < limit; ok = it.Next() {
			c, err := decodeChange(it.Value())
			if err != nil {
				return fmt.Errorf("read change %d: %w", seqFromChangeKey(it.Key()), err)
			}
			c.Cursor = s.Cursor(c.Seq)
			page.Changes = append(page.Changes, c)
		}
		return it.Error()
	})
	if err != nil {
		return ChangePage{}, err
	}
	if err := ctx.Err(); err != nil {
		return ChangePage{}, err
	}
	if n := len(page.Changes); n > 0 {
		page.Next = page.Changes[n-1].Cursor
	}
	return page, nil
}

// WaitForChanges blocks until a change after the cursor is durable (then
// Changes returns it) or ctx ends (returns ctx.Err()) or the store closes
// (ErrClosed). It returns at once when such a change already exists.
func (s *Store) WaitForChanges(ctx context.Context, after string) error {
	seq, err := s.parseCursor(after)
	if err != nil {
		return err
	}
	return s.waitDurable(ctx, seq+1)
}
