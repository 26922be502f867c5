package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// sourceLoop follows one source with one Spec. A changed Spec is a new
// loop: the token source, client and backoff start afresh with it.
type sourceLoop struct {
	f      *Follower
	spec   source.Spec
	tokens *changefeed.ClientCredentials
	status *status
	log    *slog.Logger
	wake   chan struct{} // one slot: outcomes wait to be reported

	cancel context.CancelFunc
	done   chan struct{}
}

// start runs a loop for spec under ctx.
func (f *Follower) start(ctx context.Context, spec source.Spec) *sourceLoop {
	ctx, cancel := context.WithCancel(ctx)
	l := &sourceLoop{
		f:    f,
		spec: spec,
		tokens: &changefeed.ClientCredentials{TokenURL: spec.TokenURL, ClientID: spec.ClientID,
			ClientSecret: spec.ClientSecret, HTTPClient: f.cfg.HTTPClient},
		status: newStatus(spec, f),
		log:    f.log.With("source", spec.Name),
		wake:   make(chan struct{}, 1),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	go l.run(ctx)
	return l
}

// stop ends the loop and waits until it has.
func (l *sourceLoop) stop() {
	l.cancel()
	<-l.done
}

func (l *sourceLoop) wakeReporter() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *sourceLoop) run(ctx context.Context) {
	defer close(l.done)
	var wg sync.WaitGroup
	wg.Go(func() { l.status.publishLoop(ctx, l.f.cfg.PublishInterval) })
	wg.Go(func() { l.report(ctx) })
	l.follow(ctx)
	wg.Wait()
}

// applyError is a failed Pipeline.Apply, CaughtUp or Reset: the
// aggregator's side, not the source's.
type applyError struct{ err error }

func (e *applyError) Error() string { return e.err.Error() }
func (e *applyError) Unwrap() error { return e.err }

// classify names a failure for the metrics (kind) and the State (reason).
func classify(err error) (kind, reason string) {
	var ae *applyError
	switch {
	case errors.As(err, &ae):
		return "apply", source.ReasonSourceError
	case errors.Is(err, changefeed.ErrUnavailable):
		return "unavailable", source.ReasonSourceUnreachable
	case errors.Is(err, changefeed.ErrUnauthorized):
		return "unauthorized", source.ReasonCredentialsRefused
	case errors.Is(err, changefeed.ErrForbidden):
		return "forbidden", source.ReasonCredentialsRefused
	case errors.Is(err, changefeed.ErrCursorRejected):
		return "cursor_rejected", source.ReasonCursorReset
	case errors.Is(err, changefeed.ErrProtocol):
		return "protocol", source.ReasonSourceError
	}
	return "other", source.ReasonSourceError
}

// follow is the loop of one source: learn its FHIR version, read the
// stored cursor, then poll and apply until ctx ends.
func (l *sourceLoop) follow(ctx context.Context) {
	feed, err := changefeed.New(l.spec.API(), l.tokens, l.f.cfg.HTTPClient)
	if err != nil {
		// Only a new Spec (a new loop) can mend this.
		l.log.Error("cannot follow the source", "err", err)
		l.status.fail(source.ReasonSourceError, err.Error())
		<-ctx.Done()
		return
	}
	r := newRetry(l.f.cfg.Backoff)
	// failed records err and waits out the backoff; false when ctx ended.
	failed := func(err error) bool {
		if ctx.Err() != nil {
			return false
		}
		kind, reason := classify(err)
		l.f.cfg.Metrics.pollError(l.spec.Name, kind)
		l.status.fail(reason, err.Error())
		d := r.next(changefeed.RetryAfter(err))
		l.log.Warn("source failed; retrying", "reason", reason, "err", err, "retryIn", d.Round(time.Millisecond))
		return sleep(ctx, d)
	}

	var stu3 bool
	for {
		v, err := sourceVersion(ctx, l.f.cfg.HTTPClient, l.spec.API(), l.f.cfg.Now)
		if err == nil {
			stu3 = v == defs.STU3
			break
		}
		if !failed(err) {
			return
		}
	}
	var cursor string
	for {
		c, err := l.f.cfg.Pipeline.Cursor(l.spec.Name)
		if err == nil {
			cursor = c
			break
		}
		if !failed(&applyError{fmt.Errorf("read the stored cursor: %w", err)}) {
			return
		}
	}
	l.log.Info("following", "stu3", stu3, "cursor", cursor)
	l.status.set(func(st *source.State) { st.Cursor = cursor })

	// Polls right after a page do not wait, so an empty answer tells the
	// follower it reached the head (CaughtUp); there it long-polls. The
	// poll after a page is sent while the page applies (step), so a source
	// with changes coming in waits for one of the two, not for both.
	atHead := false
	var ahead *prefetch
	defer func() { ahead.wait() }()
	for ctx.Err() == nil {
		var got polled
		if ahead != nil {
			got, ahead = ahead.wait(), nil
		} else {
			wait := l.f.cfg.Wait
			if !atHead {
				wait = 0
			}
			got = l.poll(ctx, feed, cursor, wait)
		}
		n, next, a, err := l.step(ctx, feed, got, stu3)
		switch {
		case err == nil && n == 0:
			if err := l.f.cfg.Pipeline.CaughtUp(ctx, l.spec.Name); err != nil {
				if !failed(&applyError{fmt.Errorf("caught up: %w", err)}) {
					return
				}
				continue
			}
			cursor, atHead = next, true
			// As of when the poll was sent: a change committed since may
			// not be in its answer.
			l.status.caughtUpAt(cursor, got.at)
			r.reset()
		case err == nil:
			cursor, atHead, ahead = next, false, a
			r.reset()
		case errors.Is(err, changefeed.ErrCursorRejected):
			// The source's store was re-created: start over from the
			// beginning; the pipeline reconciles at the next head.
			l.f.cfg.Metrics.pollError(l.spec.Name, "cursor_rejected")
			l.log.Warn("the source rejected the cursor; replaying its feed from the start", "cursor", cursor, "err", err)
			if err := l.f.cfg.Pipeline.Reset(ctx, l.spec.Name); err != nil {
				if !failed(&applyError{fmt.Errorf("reset: %w", err)}) {
					return
				}
				continue
			}
			l.status.reset("the source rejected the cursor (its store was re-created); replaying its feed from the start")
			cursor, atHead = "", false
		default:
			if !failed(err) {
				return
			}
		}
	}
}

// polled is the answer to one poll and when the poll was sent.
type polled struct {
	page *changefeed.Page
	err  error
	at   time.Time
}

func (l *sourceLoop) poll(ctx context.Context, feed *changefeed.Client, cursor string, wait time.Duration) polled {
	at := l.f.cfg.Now()
	page, err := feed.Poll(ctx, cursor, l.f.cfg.PageSize, wait)
	return polled{page: page, err: err, at: at}
}

// prefetch is a poll under way in the background.
type prefetch struct {
	answer chan polled
	cancel context.CancelFunc
}

// pollAhead sends the poll for cursor (without waiting at the source) in
// the background.
func (l *sourceLoop) pollAhead(ctx context.Context, feed *changefeed.Client, cursor string) *prefetch {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetch{answer: make(chan polled, 1), cancel: cancel}
	go func() { p.answer <- l.poll(ctx, feed, cursor, 0) }()
	return p
}

// wait returns the poll's answer (nil p: none).
func (p *prefetch) wait() polled {
	if p == nil {
		return polled{}
	}
	got := <-p.answer
	p.cancel()
	return got
}

// step applies the page a poll got, sending the next poll (pollAhead)
// while it applies. It returns how many changes were applied, the next
// cursor and that next poll. Only applying holds a slot: waiting on a
// source (a long poll, a slow or hung server) never keeps another source
// from applying.
func (l *sourceLoop) step(ctx context.Context, feed *changefeed.Client, got polled, stu3 bool) (int, string, *prefetch, error) {
	if got.err != nil {
		return 0, "", nil, got.err
	}
	page := got.page
	if len(page.Changes) == 0 {
		return 0, page.Next, nil, nil
	}
	first, last := page.Changes[0].LastUpdated, page.Changes[len(page.Changes)-1].LastUpdated
	l.status.behind(first)
	ahead := l.pollAhead(ctx, feed, page.Next)
	if !l.f.acquire(ctx) {
		ahead.cancel()
		ahead.wait()
		return 0, "", nil, ctx.Err()
	}
	applied, err := l.f.cfg.Pipeline.Apply(ctx, l.spec, stu3, page.Changes, page.Next)
	l.f.release()
	if err != nil {
		ahead.cancel()
		ahead.wait()
		if ctx.Err() != nil {
			return 0, "", nil, ctx.Err()
		}
		return 0, "", nil, &applyError{fmt.Errorf("apply %d changes: %w", len(page.Changes), err)}
	}
	now := l.f.cfg.Now()
	delays := make([]time.Duration, len(page.Changes))
	for i, c := range page.Changes {
		delays[i] = now.Sub(c.LastUpdated)
	}
	l.f.cfg.Metrics.observeApplied(l.spec.Name, applied, len(page.Changes), delays)
	woken := map[string]bool{}
	for _, o := range applied.Outcomes {
		if !woken[o.Source] {
			woken[o.Source] = true
			l.f.wakeReporter(o.Source)
		}
	}
	l.status.applied(page.Next, len(page.Changes) >= l.f.cfg.PageSize, last)
	return len(page.Changes), page.Next, ahead, nil
}
