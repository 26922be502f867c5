package follow

import (
	"context"
	"log/slog"
	"sync"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// Follower follows every source a Discoverer finds: one loop per Spec,
// started when the Spec appears, started again when it changes (new
// credentials, a new address), stopped when it disappears.
type Follower struct {
	cfg   Config
	log   *slog.Logger
	slots chan struct{} // a source holds one while it applies a page

	ready     chan struct{} // closed at the first update
	readyOnce sync.Once

	mu    sync.Mutex
	ctx   context.Context // Run's, parent of every loop
	loops map[string]*sourceLoop
}

// New returns a follower; it follows nothing until Run.
func New(cfg Config) (*Follower, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Follower{cfg: cfg, log: cfg.Logger, slots: make(chan struct{}, cfg.MaxConcurrent),
		ready: make(chan struct{}), loops: map[string]*sourceLoop{}}, nil
}

// Run follows the sources d finds until ctx ends or d fails, then stops
// every loop (each finishes or abandons its page: the pipeline stores a
// page whole or not at all) and returns d's error.
func (f *Follower) Run(ctx context.Context, d source.Discoverer) error {
	f.mu.Lock()
	f.ctx = ctx
	f.mu.Unlock()
	err := d.Run(ctx, f.update)
	f.mu.Lock()
	loops := f.loops
	f.loops = map[string]*sourceLoop{}
	f.mu.Unlock()
	for _, l := range loops {
		l.stop()
	}
	return err
}

// Ready is closed once the Discoverer delivered its first set of sources.
func (f *Follower) Ready() <-chan struct{} { return f.ready }

// State is the current State of the named source, false when it is not
// followed.
func (f *Follower) State(name string) (source.State, bool) {
	f.mu.Lock()
	l := f.loops[name]
	f.mu.Unlock()
	if l == nil {
		return source.State{}, false
	}
	return l.status.snapshot(), true
}

// update is the Discoverer's callback: it makes the running loops match
// specs. A loop to replace is stopped before its successor starts, so one
// source never has two loops applying at once.
func (f *Follower) update(specs []source.Spec) {
	defer f.readyOnce.Do(func() { close(f.ready) })
	want := make(map[string]source.Spec, len(specs))
	var order []source.Spec
	for _, s := range specs {
		if _, dup := want[s.Name]; dup {
			f.log.Error("two sources of one name; following the first", "source", s.Name)
			continue
		}
		want[s.Name] = s
		order = append(order, s)
	}
	f.mu.Lock()
	ctx, running := f.ctx, make(map[string]*sourceLoop, len(f.loops))
	for name, l := range f.loops {
		running[name] = l
	}
	f.mu.Unlock()

	for name, l := range running {
		if _, ok := want[name]; ok {
			continue
		}
		f.log.Info("source gone; no longer following it", "source", name, "forget", f.cfg.ForgetDeleted)
		l.stop()
		f.setLoop(name, nil)
		f.cfg.Metrics.forget(name)
		if f.cfg.ForgetDeleted {
			if err := f.cfg.Pipeline.Forget(ctx, name); err != nil {
				f.log.Error("cannot forget the source's contributions; they stay", "source", name, "err", err)
			}
		}
	}
	for _, s := range order {
		old := running[s.Name]
		if old != nil && old.spec == s {
			continue
		}
		if old != nil {
			f.log.Info("source changed; following it again with the new settings", "source", s.Name)
			old.stop()
		} else {
			f.log.Info("following a new source", "source", s.Name, "base", s.Base, "api", s.API())
		}
		f.setLoop(s.Name, f.start(ctx, s))
	}
}

func (f *Follower) setLoop(name string, l *sourceLoop) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l == nil {
		delete(f.loops, name)
		return
	}
	f.loops[name] = l
}

// wakeReporter tells the named source's reporter that outcomes wait.
func (f *Follower) wakeReporter(name string) {
	f.mu.Lock()
	l := f.loops[name]
	f.mu.Unlock()
	if l != nil {
		l.wakeReporter()
	}
}

// acquire takes a slot to apply a page; false when ctx ended first.
// Waiters are served in order (a channel's senders queue), so a source
// with a long backlog takes turns with the others page by page.
func (f *Follower) acquire(ctx context.Context) bool {
	select {
	case f.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (f *Follower) release() { <-f.slots }
