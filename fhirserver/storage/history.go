package storage

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// DefaultHistoryCount is the page size of a HistoryQuery that names none.
const DefaultHistoryCount = 50

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
	// Count is the page size (DefaultHistoryCount when not positive).
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
	page, _, err := s.history(ctx, q)
	return page, err
}

// history is History that also says how many history keys it stepped
// through: the work a query costs, which tests bound.
func (s *Store) history(ctx context.Context, q HistoryQuery) (HistoryPage, int, error) {
	if q.ID != "" && q.Type == "" {
		return HistoryPage{}, 0, fmt.Errorf("%w: history of id %q without a type", ErrInvalidKey, q.ID)
	}
	if q.Type != "" && !validName(q.Type, maxNameLen) || q.ID != "" && !validName(q.ID, maxNameLen) {
		return HistoryPage{}, 0, fmt.Errorf("%w: history of %q/%q", ErrInvalidKey, q.Type, q.ID)
	}
	count := q.Count
	if count <= 0 {
		count = DefaultHistoryCount
	}
	below, err := parseHistoryCursor(q.Cursor)
	if err != nil {
		return HistoryPage{}, 0, err
	}
	top := s.durable.Load()
	var (
		page    HistoryPage
		lastPos uint64
		visited int
	)
	err = s.read(func() error {
		rd := reader{r: s.db}
		seqs, err := rd.historySeqs(q, top)
		if err != nil {
			return err
		}
		// consider takes the candidates newest first (rec is the record when
		// it is already read); stop ends the page.
		consider := func(c candidate, rec *Record) (stop bool, err error) {
			visited++
			if err := ctx.Err(); err != nil {
				return true, err
			}
			// Type and system history keys are bounded by seqs already;
			// instance history walks versionIds, which follow the same order.
			if c.seq > top || c.seq >= seqs.hi {
				return false, nil // waiting for its fsync, or began after the _at period
			}
			if c.seq < seqs.lo {
				return true, nil // older than _since, as is everything below
			}
			keep, older, err := rd.currentDuring(c, q.At)
			if err != nil {
				return true, err
			}
			if !keep {
				// Without older, the older versions of this resource ended
				// before At too.
				return !older && q.ID != "", nil
			}
			if len(page.Records) == count {
				page.Next = historyCursor(lastPos)
				return true, nil
			}
			if rec == nil {
				if rec, err = rd.version(c.typ, c.id, c.versionID); err != nil {
					return true, err
				}
			}
			page.Records = append(page.Records, rec)
			lastPos = c.pos
			return false, nil
		}
		vBelow := below
		if q.ID != "" {
			// Instance history: the newest version is under the current key,
			// the older ones under version keys. Those below the current
			// version read here all exist already (a write moves a version
			// to its key in the batch that supersedes it), and those from it
			// on are left out, so a write between the two reads can neither
			// hide a version nor list one twice.
			cur, h, found, err := rd.currentIf(q.Type, q.ID, 0)
			if err != nil || !found {
				return err
			}
			if below == 0 || uint64(h.versionID) < below {
				c := candidate{pos: uint64(h.versionID), typ: q.Type, id: q.ID, versionID: h.versionID, seq: h.seq}
				if stop, err := consider(c, cur); stop || err != nil {
					return err
				}
				vBelow = uint64(h.versionID)
			}
		}
		it, err := s.historyIter(q, vBelow, top, seqs)
		if err != nil || it == nil {
			return err
		}
		defer it.Close()
		for ok := it.Last(); ok; ok = it.Prev() {
			c, err := decodeCandidate(q, it.Key(), it.Value())
			if err != nil {
				return err
			}
			if stop, err := consider(c, nil); stop || err != nil {
				return err
			}
		}
		return it.Error()
	})
	if err != nil {
		return HistoryPage{}, visited, fmt.Errorf("history: %w", err)
	}
	return page, visited, nil
}

// historyIter opens an iterator over the history keys of q below position
// below (0 = no cursor) within seqs; nil when that range is empty.
func (s *Store) historyIter(q HistoryQuery, below, top uint64, seqs seqSpan) (*pebble.Iterator, error) {
	// Type and system history stop at the durable watermark; a cursor
	// position is exclusive.
	limit := min(top+1, seqs.hi)
	if below > 0 && below < limit {
		limit = below
	}
	if q.ID == "" && seqs.lo >= limit {
		return nil, nil
	}
	var lower, upper []byte
	switch {
	case q.ID != "": // the superseded versions; the caller reads the current one
		lower = keyVersionPrefix(q.Type, q.ID)
		upper = prefixEnd(lower)
		if below > 0 {
			upper = keyVersion(q.Type, q.ID, int64(below))
		}
	case q.Type != "":
		lower, upper = keyTypeLog(q.Type, seqs.lo), keyTypeLog(q.Type, limit)
	default:
		lower, upper = keyChange(seqs.lo), keyChange(limit)
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

// currentDuring reports whether version c was the current one at some
// moment of p (always true for a zero p). The caller has already left out
// versions that began at or after p.End (historySeqs). older is false when
// c ended before p.Start, so no older version of the same resource can
// qualify either.
func (rd reader) currentDuring(c candidate, p Period) (keep, older bool, err error) {
	if p.Start.IsZero() {
		return true, true, nil
	}
	next, ok, err := rd.versionHeader(c.typ, c.id, c.versionID+1)
	if err != nil || !ok {
		return err == nil, true, err // still current
	}
	ended := fromMicros(next.lastUpdated)
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
