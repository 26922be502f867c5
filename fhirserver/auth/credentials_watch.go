package auth

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settleDelay lets a burst of file events (the kubelet creates a folder,
// writes files and swaps two symlinks) end before the files are read.
const settleDelay = 100 * time.Millisecond

// watchedRecheckFactor stretches the re-check on use while fsnotify
// watches the folder: 30 s becomes 5 min by default.
const watchedRecheckFactor = 10

// newWatcher is fsnotify.NewWatcher; tests replace it to run without a
// watch, as past the kernel's fs.inotify.max_user_instances.
var newWatcher = fsnotify.NewWatcher

// startWatch sets up the fsnotify watch of the credentials folder and the
// re-check period that goes with it. fsnotify sees the kubelet's "..data"
// symlink swap as events on the directory itself. The re-check covers what
// notifications miss (network volumes, a watcher that failed to start, an
// editor that replaced the folder); with a live watch it is only a safety
// net and runs watchedRecheckFactor times less often.
func (s *Server) startWatch() {
	w, err := newWatcher()
	if err == nil {
		if err = w.Add(s.dir); err != nil {
			_ = w.Close()
		}
	}
	s.recheckEvery = s.cfg.ReloadInterval
	if err != nil {
		s.log.Error(err, "cannot watch credentials dir; re-reading it on use instead", "dir", s.dir,
			"atMostEvery", s.recheckEvery)
		return
	}
	s.watcher = w
	s.recheckEvery *= watchedRecheckFactor
}

// recheckIfDue asks the watch loop to re-read the credentials when the last
// read is older than the re-check period. It runs on every use of the
// credentials (a token request, a token verified), so the re-check costs an
// idle server nothing: every wake-up of an idle server counts when hundreds
// share a node (docs/storage.md, "Idle cost"), and an idle server has no
// use for fresher credentials until somebody calls it. A client that
// already has a new secret does not wait for it either: its failed
// authentication re-reads at once (reloadOnMiss).
func (s *Server) recheckIfDue() {
	if !claimEvery(&s.lastRecheck, s.recheckEvery) {
		return
	}
	select {
	case s.recheck <- struct{}{}:
	default: // one is pending already
	}
}

// reloadIfDue re-reads the credentials in the caller when the last read is
// older than the re-check period. The token endpoint checks secrets with
// it, not with recheckIfDue: a server that was idle (and cannot watch its
// folder) must not hand out one more token for a secret whose grace period
// ended while nobody asked, which the credentials it still holds would do.
// An unchanged folder costs a few small reads.
func (s *Server) reloadIfDue() {
	if !claimEvery(&s.lastRecheck, s.recheckEvery) {
		return
	}
	if err := s.Reload(); err != nil {
		s.log.Error(err, "credentials reload failed; keeping the current credentials")
	}
}

// claimEvery reports whether at least every has passed (wall clock) since
// the time in last, and if so sets last to now: of several callers at once,
// one wins.
func claimEvery(last *atomic.Int64, every time.Duration) bool {
	now := time.Now().UnixNano()
	prev := last.Load()
	return now-prev >= int64(every) && last.CompareAndSwap(prev, now)
}

// watch re-reads the credentials when the folder changes or a use finds
// the last read too old (recheckIfDue), until ctx ends.
func (s *Server) watch(ctx context.Context) {
	defer close(s.done)
	var events <-chan fsnotify.Event
	var errs <-chan error
	if s.watcher != nil {
		defer s.watcher.Close()
		events, errs = s.watcher.Events, s.watcher.Errors
	}
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()

	var lastErr string
	reload := func() {
		s.lastRecheck.Store(time.Now().UnixNano())
		err := s.Reload()
		switch {
		case err != nil && err.Error() != lastErr:
			// Logged once per distinct failure: the old credentials stay in
			// force and the next change or re-check retries.
			s.log.Error(err, "credentials reload failed; keeping the current credentials")
			lastErr = err.Error()
		case err == nil:
			lastErr = ""
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			settle.Reset(settleDelay)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			s.log.Error(err, "credentials watcher error", "dir", s.dir)
		case <-settle.C:
			reload()
		case <-s.recheck:
			reload()
		}
	}
}
