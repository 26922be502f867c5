package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// HistoryQuery selects versions for a history interaction, newest first.
// Type and ID empty: the whole system; Type only: one type; both: one
// resource.
type HistoryQuery struct {
	Type string
	ID   string
	// Since, when set, keeps versions with LastUpdated >= Since (_since).
	Since time.Time
	// At, when set, keeps versions that were current at some moment of the
	// period (_at, whose precision gives the period).
	At Period
	// Count is the page size (default 50).
	Count int
	// Cursor is HistoryPage.Next of the previous page ("" = first page).
	Cursor string
}

// Period is the half-open time interval [Start, End).
type Period struct {
	Start time.Time
	End   time.Time
}

// IsZero reports whether the period is unset.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

// HistoryPage is one page of history.
type HistoryPage struct {
	// Records are newest first; tombstones have Deleted set.
	Records []*Record
	// Next is the cursor of the following page, "" on the last page. Pages
	// stay stable while writes continue: newer versions never shift them.
	Next string
}

// candidate is a history entry before its record is loaded.
type candidate struct {
	pos       uint64 // cursor position: versionId (instance) or seq
	typ, id   string
	versionID int64
	seq       uint64
}

// History returns one page of history. Only durable versions are listed.
func (s *Store) History(ctx context.Context, q HistoryQuery) (HistoryPage, error) {
	if q.ID != "" && q.Type == "" {
		return HistoryPage{}, fmt.Errorf("%w: history of id %q without a type", ErrInvalidKey, q.ID)
	}
	if q.Type != "" && !validName(q.Type, maxNameLen) || q.ID != "" && !validName(q.ID, maxNameLen) {
		return HistoryPage{}, fmt.Errorf("%w: history of %q/%q", ErrInvalidKey, q.Type, q.ID)
	}
	count := q.Count
	if count <= 0 {
		count = 50
	}
	below, err := parseHistoryCursor(q.Cursor)
	if err != nil {
		return HistoryPage{}, err
	}
	top := s.durable.Load()
	var (
		page    HistoryPage
		lastPos uint64
	)
	err = s.read(func() error {
		rd := reader{s.db}
		it, err := s.historyIter(q, below, top)
		if err != nil {
			return err
		}
		defer it.Close()
		for ok := it.Last(); ok; ok = it.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			c, err := decodeCandidate(q, it.Key(), it.Value())
			if err != nil {
				return err
			}
			if c.seq > top {
				continue // instance history: a version still waiting for its fsync
			}
			rec, err := rd.version(c.typ, c.id, c.versionID)
			if err != nil {
				return err
			}
			if !q.Since.IsZero() && rec.LastUpdated.Before(q.Since) {
				return nil // everything older is older still
			}
			keep, older, err := rd.currentDuring(rec, q.At)
			if err != nil {
				return err
			}
			if !keep {
				if !older && q.ID != "" {
					return nil // older versions of this resource ended before At
				}
				continue
			}
			if len(page.Records) == count {
				page.Next = historyCursor(lastPos)
				return nil
			}
			page.Records = append(page.Records, rec)
			lastPos = c.pos
		}
		return it.Error()
	})
	if err != nil {
		return HistoryPage{}, fmt.Errorf("history: %w", err)
	}
	return page, nil
}

// historyIter opens an iterator over the history keys of q below position
// below (0 = no cursor).
func (s *Store) historyIter(q HistoryQuery, below, top uint64) (*pebble.Iterator, error) {
	// Type and system history stop at the durable watermark; a cursor
	// position is exclusive.
	limit := top + 1
	if below > 0 && below < limit {
		limit = below
	}
	var lower, upper []byte
	switch {
	case q.ID != "":
		lower = keyVersionPrefix(q.Type, q.ID)
		upper = prefixEnd(lower)
		if below > 0 {
			upper = keyVersion(q.Type, q.ID, int64(below))
		}
	case q.Type != "":
		lower, upper = keyTypeLogPrefix(q.Type), keyTypeLog(q.Type, limit)
	default:
		lower, upper = keyChange(0), keyChange(limit)
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("open history iterator: %w", err)
	}
	return it, nil
}

func decodeCandidate(q HistoryQuery, k, v []byte) (candidate, error) {
	switch {
	case q.ID != "":
		h, _, err := decodeHeader(v)
		if err != nil {
			return candidate{}, err
		}
		return candidate{pos: uint64(h.versionID), typ: q.Type, id: q.ID, versionID: h.versionID, seq: h.seq}, nil
	case q.Type != "":
		id, ver, err := decodeTypeLog(v)
		seq := seqFromTypeLogKey(k)
		return candidate{pos: seq, typ: q.Type, id: id, versionID: ver, seq: seq}, err
	default:
		c, err := decodeChange(v)
		return candidate{pos: c.Seq, typ: c.Type, id: c.ID, versionID: c.VersionID, seq: c.Seq}, err
	}
}

// currentDuring reports whether rec was the current version at some moment
// of p (always true for a zero p). older is false when rec ended before
// p.Start, so no older version of the same resource can qualify either.
func (rd reader) currentDuring(rec *Record, p Period) (keep, older bool, err error) {
	if p.IsZero() {
		return true, true, nil
	}
	if !p.End.IsZero() && !rec.LastUpdated.Before(p.End) {
		return false, true, nil // began after the period
	}
	if p.Start.IsZero() {
		return true, true, nil
	}
	next, ok, err := rd.get(keyVersion(rec.Type, rec.ID, rec.VersionID+1))
	if err != nil || !ok {
		return err == nil, true, err // still current
	}
	h, _, err := decodeHeader(next)
	if err != nil {
		return false, false, err
	}
	ended := fromMicros(h.lastUpdated)
	if ended.After(p.Start) {
		return true, true, nil
	}
	return false, false, nil
}

// historyCursor encodes the position to continue below: a versionId for
// instance history, a sequence number otherwise.
func historyCursor(pos uint64) string { return "h" + strconv.FormatUint(pos, 36) }

func parseHistoryCursor(c string) (uint64, error) {
	if c == "" {
		return 0, nil
	}
	rest, ok := strings.CutPrefix(c, "h")
	if !ok {
		return 0, fmt.Errorf("%w: history cursor %q", ErrBadCursor, c)
	}
	pos, err := strconv.ParseUint(rest, 36, 64)
	if err != nil || pos == 0 {
		return 0, fmt.Errorf("%w: history cursor %q", ErrBadCursor, c)
	}
	return pos, nil
}
