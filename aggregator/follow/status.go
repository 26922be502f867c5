package follow

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// status is one source's State as its loop sees it, published to the
// StatusSink at most every PublishInterval, and at once when Healthy or
// Reason change (that is what an operator watches for).
type status struct {
	spec    source.Spec
	sink    source.StatusSink // nil: nowhere
	pipe    Pipeline
	metrics *Metrics
	log     *slog.Logger
	now     func() time.Time

	mu sync.Mutex
	st source.State // Lag is computed from oldest when read
	// oldest is the commit time of the oldest change known not to be
	// applied; zero when the follower was at the head of the feed.
	oldest time.Time
	// replaying is set by a cursor reset and cleared at the head: the
	// condition stays CursorReset until the replay caught up.
	replaying bool
	dirty     bool
	urgent    chan struct{} // one slot: Healthy or Reason changed
	// published is the last State the sink took (nil before the first);
	// only the publisher goroutine uses it.
	published *source.State
}

// lastSyncRefresh is how stale a published LastSync may get while nothing
// else changes. An idle source reaches its head at every long poll (25 s);
// publishing each of those would be a status write per source every 25 s
// (forty a second for a thousand endpoints) that tells nobody anything.
const lastSyncRefresh = time.Minute

func newStatus(spec source.Spec, f *Follower) *status {
	return &status{spec: spec, sink: f.cfg.Status, pipe: f.cfg.Pipeline, metrics: f.cfg.Metrics,
		log: f.log.With("source", spec.Name), now: f.cfg.Now, urgent: make(chan struct{}, 1),
		st: source.State{Reason: source.ReasonFollowing, Message: "starting"}}
}

// set changes the state under the lock and signals the publisher.
func (s *status) set(fn func(st *source.State)) {
	s.mu.Lock()
	healthy, reason := s.st.Healthy, s.st.Reason
	fn(&s.st)
	s.dirty = true
	changed := healthy != s.st.Healthy || reason != s.st.Reason
	// Set under the lock, so a publish computing an older lag cannot
	// overwrite a newer one.
	s.metrics.setLag(s.spec.Name, s.lagLocked())
	s.mu.Unlock()
	if changed {
		select {
		case s.urgent <- struct{}{}:
		default:
		}
	}
}

func (s *status) lagLocked() time.Duration {
	if s.oldest.IsZero() {
		return 0
	}
	return max(s.now().Sub(s.oldest), 0)
}

// fail records a failure of the given reason.
func (s *status) fail(reason, message string) {
	s.set(func(st *source.State) { st.Healthy, st.Reason, st.Message = false, reason, message })
}

// reset records that the source rejected the cursor and is replayed.
func (s *status) reset(message string) {
	s.set(func(st *source.State) {
		s.replaying = true
		st.Cursor = ""
		st.Healthy, st.Reason, st.Message = false, source.ReasonCursorReset, message
	})
}

// behind records a page of changes about to be applied, the first of
// which is the oldest not applied.
func (s *status) behind(first time.Time) {
	s.set(func(st *source.State) { s.oldest = first; s.following(st) })
}

// applied records an applied page. more says the feed had more (the page
// was full): then the oldest not applied is no older than the page's
// last, which stands in for it until the next page says.
func (s *status) applied(cursor string, more bool, last time.Time) {
	s.set(func(st *source.State) {
		st.Cursor = cursor
		s.oldest = time.Time{}
		if more {
			s.oldest = last
		}
		s.following(st)
	})
}

// caughtUpAt records an empty page, the head of the feed, asked for at
// now: every change the source committed before it is applied.
func (s *status) caughtUpAt(cursor string, now time.Time) {
	s.metrics.setLastSync(s.spec.Name, now)
	s.set(func(st *source.State) {
		st.Cursor = cursor
		st.LastSync = now
		s.oldest = time.Time{}
		s.replaying = false
		s.following(st)
	})
}

// following marks the source healthy after a success, unless it is
// still replaying after a reset.
func (s *status) following(st *source.State) {
	if s.replaying {
		return
	}
	st.Healthy, st.Reason, st.Message = true, source.ReasonFollowing, ""
}

// snapshot is the current State with its lag and the pipeline's counts.
func (s *status) snapshot() source.State {
	s.mu.Lock()
	st := s.st
	st.Lag = s.lagLocked()
	s.mu.Unlock()
	a, e, p, err := s.pipe.Counts(s.spec.Name)
	if err != nil {
		s.log.Warn("cannot count the source's outcomes", "err", err)
	} else {
		st.Accepted, st.Excluded, st.Pending = a, e, p
	}
	return st
}

// publishLoop publishes until ctx ends.
func (s *status) publishLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.urgent:
		}
		s.publish(ctx)
	}
}

// publish sends the state when it changed since the last publish (or the
// last publish failed), and while the source is behind, since its lag
// grows while nothing else happens; the lag gauge is refreshed every time.
func (s *status) publish(ctx context.Context) {
	s.mu.Lock()
	dirty := s.dirty
	s.dirty = false
	lag := s.lagLocked()
	s.metrics.setLag(s.spec.Name, lag)
	s.mu.Unlock()
	if (!dirty && lag == 0) || s.sink == nil {
		return
	}
	st := s.snapshot()
	if p := s.published; p != nil && lag == 0 && st.LastSync.Sub(p.LastSync) < lastSyncRefresh {
		same := *p
		same.LastSync = st.LastSync
		if same == st {
			return // only LastSync moved, and not by much
		}
	}
	if err := s.sink.Publish(ctx, s.spec, st); err != nil {
		if ctx.Err() == nil {
			s.log.Warn("cannot publish the source's state; trying again", "err", err)
		}
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		return
	}
	s.published = &st
}
