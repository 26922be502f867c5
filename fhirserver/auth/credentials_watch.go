package auth

import (
	"context"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settleDelay lets a burst of file events (the kubelet creates a folder,
// writes files and swaps two symlinks) end before the files are read.
const settleDelay = 100 * time.Millisecond

// watchedRecheckFactor stretches the periodic re-check while fsnotify
// watches the folder: 30 s becomes 5 min by default.
const watchedRecheckFactor = 10

// watch re-reads the credentials when the directory changes. fsnotify sees
// the kubelet's "..data" symlink swap as events on the directory itself; the
// periodic re-check covers what notifications miss (network volumes, a
// watcher that failed to start, an editor that replaced the folder).
func (s *Server) watch(ctx context.Context) {
	defer close(s.done)
	var events <-chan fsnotify.Event
	var errs <-chan error
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(s.dir)
	}
	if err != nil {
		s.log.Error(err, "cannot watch credentials dir; relying on periodic re-check", "dir", s.dir, "interval", s.cfg.ReloadInterval)
	} else {
		events, errs = w.Events, w.Errors
	}
	if w != nil {
		defer w.Close()
	}

	// With a live watch the re-check is only a safety net, and every
	// wake-up of an idle server counts when hundreds share a node (see
	// docs/storage.md, "Idle cost"): it runs watchedRecheckFactor times
	// less often than when polling is all there is.
	recheck := s.cfg.ReloadInterval
	if events != nil {
		recheck *= watchedRecheckFactor
	}
	ticker := time.NewTicker(recheck)
	defer ticker.Stop()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()

	var lastErr string
	reload := func() {
		err := s.Reload()
		switch {
		case err != nil && err.Error() != lastErr:
			// Logged once per distinct failure: the old credentials stay in
			// force and the next change or tick retries.
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
		case <-ticker.C:
			reload()
		}
	}
}
