package endpoint

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchSettle lets a burst of events (a folder created, its files
// written; the kubelet swapping a Secret's ..data link) end before the
// folders are read.
const watchSettle = 100 * time.Millisecond

// watchClients reads the customers' folders again when the clients dir or
// any customer folder in it changes, until ctx ends; the auth server's
// re-check on use covers what notifications miss. reload is the auth
// server's Reload. done is closed when it returns.
func (d *directory) watchClients(ctx context.Context, reload func() error, done chan<- struct{}) {
	defer close(done)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		d.log.Error(err, "cannot watch the clients dir; relying on the re-check on use", "dir", d.dir)
		return
	}
	defer w.Close()
	watched := map[string]bool{}
	watchAll := func() {
		// The folder itself may appear later (generated clients).
		if !watched[d.dir] && w.Add(d.dir) == nil {
			watched[d.dir] = true
		}
		entries, _ := os.ReadDir(d.dir)
		for _, e := range entries {
			p := filepath.Join(d.dir, e.Name())
			if !watched[p] && isDir(p) && w.Add(p) == nil {
				watched[p] = true
			}
		}
	}
	watchAll()
	// The folders were first read before the watch began: a change in
	// between raised no event, so read them once more now.
	settle := time.NewTimer(0)
	defer settle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-w.Events:
			if !ok {
				return
			}
			settle.Reset(watchSettle)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			d.log.Error(err, "watching the clients dir")
		case <-settle.C:
			watchAll()
			if err := reload(); err != nil {
				d.log.Error(err, "clients changed but cannot be read; keeping the clients in force")
			}
		}
	}
}
