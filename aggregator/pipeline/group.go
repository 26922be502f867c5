package pipeline

import (
	"context"
	"slices"
)

// Pages of several sources share one batch when they wait for the store's
// write section together. Every Apply queues its page and asks for the
// section; the first to get it takes every page queued by then, stages them
// all, settles once and commits one batch; the others find their page taken
// and wait for that batch's fsync. Under light load each page is alone in
// its batch, as before; when the sources' pages pile up behind the section
// (a burst, a saturated machine) they go in together, so the per-batch
// costs — a WAL write, an fsync, the pipeline's reads of its cursors and
// commit count — are paid once for all of them instead of once each, which
// is when the lag needs it.
//
// A batch of several pages is what one page holding all their changes
// would be: settle computes statuses, groups and downstream writes from the
// final state of everything staged, whatever the order. Each source's
// cursor is still in the batch with its changes, so a crash keeps or loses
// each page whole. Should the shared batch fail (one page's resource cannot
// be indexed, say), it commits nothing and each page is written again
// alone, so only the page at fault fails.

// pendingApply is one Apply's page waiting for the write section.
type pendingApply struct {
	source string
	// stage stages the page's changes and cursor in b (settle follows once
	// for the whole batch).
	stage func(b *batch) error

	// Set before done is closed.
	outcomes []Outcome
	err      error
	done     chan struct{}
}

// commitApply queues page and returns once it is committed (or failed),
// in its own batch or in another Apply's.
func (p *Pipeline) commitApply(ctx context.Context, page *pendingApply) error {
	p.pendingMu.Lock()
	p.pending = append(p.pending, page)
	p.pendingMu.Unlock()

	var taken []*pendingApply
	claim := func() bool {
		p.pendingMu.Lock()
		taken, p.pending = p.pending, nil
		p.pendingMu.Unlock()
		return len(taken) > 0
	}
	err := p.writeIf(ctx, claim, func(b *batch) error { return stagePages(b, taken) })
	switch {
	case len(taken) == 0:
	case err == nil || len(taken) == 1:
		for _, t := range taken {
			t.err = err
			close(t.done)
		}
	default:
		p.writeAlone(ctx, taken)
	}
	if len(taken) == 0 && err != nil {
		// The write failed before it took any page (ctx ended, the store
		// closed): withdraw ours unless another Apply took it meanwhile.
		p.pendingMu.Lock()
		i := slices.Index(p.pending, page)
		if i >= 0 {
			p.pending = slices.Delete(p.pending, i, i+1)
		}
		p.pendingMu.Unlock()
		if i >= 0 {
			return err
		}
	}
	<-page.done
	return page.err
}

// stagePages stages every page, settles once and hands each page its share
// of the outcomes: those of its own source's resources, and the rest (other
// sources' resources whose outcome changed as a consequence) to the first.
func stagePages(b *batch, pages []*pendingApply) error {
	for _, pa := range pages {
		pa.outcomes = nil
		if err := pa.stage(b); err != nil {
			return err
		}
	}
	if err := b.settle(); err != nil {
		return err
	}
	bySource := make(map[string]*pendingApply, len(pages))
	for _, pa := range pages {
		bySource[pa.source] = pa
	}
	for _, o := range b.outcomes {
		to := pages[0]
		if pa, ok := bySource[o.Source]; ok {
			to = pa
		}
		to.outcomes = append(to.outcomes, o)
	}
	return nil
}

// writeAlone writes each page of a failed shared batch in a batch of its
// own, so that only the page at fault fails. The pages' own Apply calls are
// waiting for them, whatever ctx (the first Apply's) does meanwhile.
func (p *Pipeline) writeAlone(ctx context.Context, pages []*pendingApply) {
	ctx = context.WithoutCancel(ctx)
	for _, pa := range pages {
		pa.err = p.write(ctx, func(b *batch) error { return stagePages(b, []*pendingApply{pa}) })
		close(pa.done)
	}
}
