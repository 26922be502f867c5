package follow

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// eventually polls cond until it holds, failing the test after a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// chanDiscoverer hands the follower whatever sets a test sends.
type chanDiscoverer chan []source.Spec

func (d chanDiscoverer) Run(ctx context.Context, update func([]source.Spec)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-d:
			update(s)
		}
	}
}

// sink records every State published.
type sink struct {
	mu     sync.Mutex
	states map[string][]source.State
}

func (s *sink) Publish(_ context.Context, spec source.Spec, st source.State) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[string][]source.State{}
	}
	s.states[spec.Name] = append(s.states[spec.Name], st)
	return nil
}

// reasons are the distinct reasons published for a source, in order.
func (s *sink) reasons(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, st := range s.states[name] {
		if len(out) == 0 || out[len(out)-1] != st.Reason {
			out = append(out, st.Reason)
		}
	}
	return out
}

func (s *sink) last(name string) (source.State, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sts := s.states[name]
	if len(sts) == 0 {
		return source.State{}, false
	}
	return sts[len(sts)-1], true
}

// run is a follower under test with its fakes.
type run struct {
	f    *Follower
	pipe *fakePipeline
	sink *sink
	reg  *prometheus.Registry
	disc chanDiscoverer
}

// startFollower runs a follower over a fake pipeline with short waits;
// cfg's zero fields are filled for a test. It stops with the test.
func startFollower(t *testing.T, cfg Config, specs ...source.Spec) *run {
	t.Helper()
	return startFollowerWith(t, newFakePipeline(), cfg, specs...)
}

func startFollowerWith(t *testing.T, pipe *fakePipeline, cfg Config, specs ...source.Spec) *run {
	t.Helper()
	r := &run{pipe: pipe, sink: &sink{}, reg: prometheus.NewRegistry(), disc: make(chanDiscoverer)}
	cfg.Pipeline = r.pipe
	cfg.Status = r.sink
	cfg.Metrics = NewMetrics(r.reg)
	if cfg.Wait == 0 {
		cfg.Wait = time.Second
	}
	if cfg.PublishInterval == 0 {
		cfg.PublishInterval = 10 * time.Millisecond
	}
	if cfg.ReportInterval == 0 {
		cfg.ReportInterval = 10 * time.Millisecond
	}
	if cfg.ReportGap == 0 {
		cfg.ReportGap = time.Millisecond
	}
	if cfg.Backoff == (Backoff{}) {
		cfg.Backoff = Backoff{Min: time.Millisecond, Max: 20 * time.Millisecond}
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.f = f
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, r.disc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	r.disc <- specs
	return r
}

// metric is the value of the counter or gauge name with labels.
func (r *run) metric(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}
