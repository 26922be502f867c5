package storage

import (
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// The change log is the store's time index. stage stamps every commit with
// max(now, previous commit + 1 µs) under the write mutex, and sequence
// numbers grow in the same serial order, so lastUpdated never decreases
// along the change log (it rises strictly from commit to commit; the
// versions of one commit share it). "The first version at or after t" is
// therefore a binary search over `c <seq>` keys: about 18 seeks at 200,000
// versions, instead of reading the history back from its newest end. Type
// history keys and version headers carry the same sequence numbers, so one
// search bounds every level of history.

// seqSpan is a half-open range [lo, hi) of change sequence numbers.
type seqSpan struct{ lo, hi uint64 }

// historySeqs returns the sequence numbers whose versions can answer q's
// time parameters, among 1..top: _since keeps lastUpdated ≥ Since, and a
// version that began at or after the end of the _at period cannot have been
// current during it. (Versions that began before the period still need the
// per-version check of currentDuring.)
func (rd reader) historySeqs(q HistoryQuery, top uint64) (seqSpan, error) {
	r := seqSpan{lo: 1, hi: top + 1}
	var err error
	if !q.Since.IsZero() {
		if r.lo, err = rd.firstSeqAtOrAfter(q.Since, top); err != nil {
			return r, err
		}
	}
	if !q.At.End.IsZero() {
		if r.hi, err = rd.firstSeqAtOrAfter(q.At.End, top); err != nil {
			return r, err
		}
	}
	return r, nil
}

// firstSeqAtOrAfter returns the smallest sequence number among 1..top whose
// version has lastUpdated ≥ t, or top+1 when there is none. It does not
// assume the numbers are gapless: each probe seeks to the first change at
// or after the middle.
func (rd reader) firstSeqAtOrAfter(t time.Time, top uint64) (uint64, error) {
	it, err := rd.r.NewIter(&pebble.IterOptions{LowerBound: keyChange(1), UpperBound: keyChange(top + 1)})
	if err != nil {
		return 0, fmt.Errorf("open change log iterator: %w", err)
	}
	defer it.Close()
	micros := t.UnixMicro() // rounds down (also before 1970)
	if t.Nanosecond()%1000 != 0 {
		micros++ // stamps are whole microseconds: the first one at or after t
	}
	lo, hi := uint64(1), top+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if !it.SeekGE(keyChange(mid)) {
			if err := it.Error(); err != nil {
				return 0, err
			}
			hi = mid // nothing at or after mid
			continue
		}
		h, _, err := decodeHeader(it.Value())
		if err != nil {
			return 0, err
		}
		if h.lastUpdated >= micros {
			hi = mid
		} else {
			lo = seqFromChangeKey(it.Key()) + 1
		}
	}
	return lo, nil
}
