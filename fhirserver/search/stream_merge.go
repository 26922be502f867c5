package search

import (
	"bytes"
	"context"
	"iter"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Reading several runs of the index as one. A resource's single value of a
// string, token, number, quantity or date parameter is written under the
// sort tags, and the least and greatest of several values of the first
// four too (doc.go), so a query reads its value's run and that run under
// the sort tags: an exact value as id-ordered sides (twinStream), a range
// or a sort as one walk in (value, id) order (mergeRuns). Most parameters
// leave all but one or two of them empty, and each is read once.

// twinStream is one exact value read in its range and that range's twins
// (withTwin). Most parameters have one value per resource, or several, in
// all of a type's resources, so some of the runs are usually empty: each
// side is probed once for its least id, and an empty side is not sought
// again; nor is a side that had nothing at or after an id, for a later
// one (a page's seeks mostly go forward). A resource's entry of the value
// is in one side only.
type twinStream struct {
	s []idStream
	// probed: least[i] is s[i]'s least id ("": s[i] is empty).
	probed bool
	least  []string
	// none[i], when set, is a seek that found nothing in s[i]; noneStrict
	// whether it was strict.
	none       []*string
	noneStrict []bool
}

// newTwinStream reads s and s's range under each of twins.
func newTwinStream(s idStream, twins []scanRange) *twinStream {
	t := &twinStream{s: []idStream{s}}
	for _, r := range twins {
		tw := s
		tw.key, tw.hi = r.lo, r.hi
		t.s = append(t.s, tw)
	}
	n := len(t.s)
	t.least, t.none, t.noneStrict = make([]string, n), make([]*string, n), make([]bool, n)
	return t
}

func (t *twinStream) probe(ctx context.Context, rd storage.Reader) error {
	if t.probed {
		return nil
	}
	for i := range t.s {
		id, err := t.s[i].first(ctx, rd, "", false)
		if err != nil {
			return err
		}
		t.least[i] = id
	}
	t.probed = true
	return nil
}

func (t *twinStream) first(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error) {
	if err := t.probe(ctx, rd); err != nil {
		return "", err
	}
	best := ""
	for i := range t.s {
		if t.least[i] == "" {
			continue
		}
		if n := t.none[i]; n != nil && (x > *n || x == *n && (strict || !t.noneStrict[i])) {
			continue
		}
		id := t.least[i]
		if x > id || x == id && strict {
			var err error
			if id, err = t.s[i].first(ctx, rd, x, strict); err != nil {
				return "", err
			}
		}
		if id == "" {
			t.none[i], t.noneStrict[i] = &x, strict
			continue
		}
		if best == "" || id < best {
			best = id
		}
	}
	return best, nil
}

func (t *twinStream) last(ctx context.Context, rd storage.Reader, x string, strict bool) (string, error) {
	if err := t.probe(ctx, rd); err != nil {
		return "", err
	}
	var u unionStream
	for i := range t.s {
		if t.least[i] != "" {
			u = append(u, t.s[i])
		}
	}
	return u.last(ctx, rd, x, strict)
}

// take is idStream.take over both sides: a scan of each, merged (a probe
// first would cost as much as the scan of an empty side).
func (t *twinStream) take(ctx context.Context, rd storage.Reader, after string, limit int, back bool) ([]string, error) {
	var runs [][]string
	for i := range t.s {
		if t.probed && t.least[i] == "" {
			continue
		}
		ids, err := t.s[i].take(ctx, rd, after, limit, back)
		if err != nil {
			return nil, err
		}
		runs = append(runs, ids)
	}
	switch len(runs) {
	case 0:
		return nil, nil
	case 1:
		return runs[0], nil
	}
	out := runs[0]
	for _, b := range runs[1:] {
		out = mergeIDs(out, b, limit, back)
	}
	return out, nil
}

// mergeIDs merges two id-ordered lists (descending when back) into their
// first limit ids.
func mergeIDs(a, b []string, limit int, back bool) []string {
	out := make([]string, 0, min(limit, len(a)+len(b)))
	for len(out) < limit && (len(a) > 0 || len(b) > 0) {
		if len(b) == 0 || len(a) > 0 && (a[0] < b[0]) != back {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return out
}

// indexRun is one range of index entries read as part of a merged walk
// (mergeRuns): its entries pass keep (nil: all) and are yielded with their
// tag set to retag (0: as they are).
type indexRun struct {
	q     storage.IndexQuery
	keep  func(value []byte) bool
	retag byte
}

// mergeRuns yields the entries of the runs, each in (value, id) order
// (reversed when reverse), as one walk ordered by the value after its tag,
// then id. A retagged entry's Value is valid until the next. When several
// runs hold entries, the last is read as it comes and the others pulled
// alongside it, so callers put the run likely to hold most entries last.
func mergeRuns(ctx context.Context, rd storage.Reader, runs []indexRun, reverse bool) iter.Seq2[storage.IndexHit, error] {
	if len(runs) == 1 && runs[0].keep == nil && runs[0].retag == 0 {
		return rd.ScanIndex(ctx, runs[0].q)
	}
	return func(yield func(storage.IndexHit, error) bool) {
		// Most walks find all their entries in one run (a parameter whose
		// resources have one value each, or several each). The runs but
		// the last are probed; only those that hold an entry are read, and
		// the last is probed too when one does, so that pulling runs
		// alongside it (a coroutine switch per entry) happens only when
		// two runs hold entries.
		var held []indexRun
		for _, r := range runs[:len(runs)-1] {
			ok, err := holdsEntry(ctx, rd, r)
			if err != nil {
				yield(storage.IndexHit{}, err)
				return
			}
			if ok {
				held = append(held, r)
			}
		}
		r := runs[len(runs)-1]
		if len(held) != 0 {
			ok, err := holdsEntry(ctx, rd, r)
			if err != nil {
				yield(storage.IndexHit{}, err)
				return
			}
			if !ok {
				mergeHeld(ctx, rd, held, reverse, yield)
				return
			}
		}
		mergeHeld(ctx, rd, append(held, r), reverse, yield)
	}
}

// holdsEntry reports whether r has an entry it keeps.
func holdsEntry(ctx context.Context, rd storage.Reader, r indexRun) (bool, error) {
	for h, err := range rd.ScanIndex(ctx, r.q) {
		if err != nil {
			return false, err
		}
		if r.keep == nil || r.keep(h.Value) {
			return true, nil
		}
	}
	return false, nil
}

// mergeHeld is mergeRuns over runs that each hold an entry.
func mergeHeld(ctx context.Context, rd storage.Reader, runs []indexRun, reverse bool, yield func(storage.IndexHit, error) bool) {
	last := len(runs) - 1
	nexts := make([]func() (storage.IndexHit, error, bool), last)
	heads := make([]storage.IndexHit, last)
	live := make([]bool, last)
	advance := func(i int) error {
		for {
			h, err, ok := nexts[i]()
			if err != nil || !ok {
				live[i] = false
				return err
			}
			if runs[i].keep == nil || runs[i].keep(h.Value) {
				heads[i], live[i] = h, true
				return nil
			}
		}
	}
	for i := range last {
		next, stop := iter.Pull2(rd.ScanIndex(ctx, runs[i].q))
		defer stop()
		nexts[i] = next
		if err := advance(i); err != nil {
			yield(storage.IndexHit{}, err)
			return
		}
	}
	var buf []byte
	emit := func(h storage.IndexHit, r indexRun) bool {
		if r.retag != 0 {
			buf = append(append(buf[:0], r.retag), h.Value[1:]...)
			h.Value = buf
		}
		return yield(h, nil)
	}
	// least is the pulled run whose head comes first, before h when h
	// is not nil; -1 when none.
	least := func(h *storage.IndexHit) int {
		i := -1
		for j := range last {
			if live[j] && (i < 0 || (compareSortHits(heads[j], heads[i]) < 0) != reverse) {
				i = j
			}
		}
		if i >= 0 && h != nil && (compareSortHits(heads[i], *h) < 0) == reverse {
			return -1
		}
		return i
	}
	drain := func(h *storage.IndexHit) bool {
		for i := least(h); i >= 0; i = least(h) {
			if !emit(heads[i], runs[i]) {
				return false
			}
			if err := advance(i); err != nil {
				yield(storage.IndexHit{}, err)
				return false
			}
		}
		return true
	}
	for h, err := range rd.ScanIndex(ctx, runs[last].q) {
		if err != nil {
			yield(storage.IndexHit{}, err)
			return
		}
		if k := runs[last].keep; k != nil && !k(h.Value) {
			continue
		}
		if !drain(&h) || !emit(h, runs[last]) {
			return
		}
	}
	drain(nil)
}

// compareSortHits orders two sort entries by key (the value after its tag),
// then id: each run's own order.
func compareSortHits(a, b storage.IndexHit) int {
	if c := bytes.Compare(a.Value[1:], b.Value[1:]); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
