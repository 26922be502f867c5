package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestProcRestartsACrashAndStops(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "runs")
	// The first run crashes, the second stays up until SIGTERM.
	script := `echo run >> ` + marker + `; [ $(wc -l < ` + marker + `) -ge 2 ] || exit 3; trap 'exit 0' TERM; while :; do sleep 0.05; done`
	p := &proc{
		bin: "/bin/sh", logPath: filepath.Join(dir, "p.log"), launch: &launch{Args: []string{"-c", script}},
		interval: 20 * time.Millisecond, changed: func() {}, grace: 5 * time.Second,
	}
	p.run(context.Background())
	waitFor(t, "the restarted process to run", func() bool { s := p.snapshot(); return s.Running && s.Restarts == 1 })
	s := p.snapshot()
	if s.LastExitCode != 3 || !s.Ready {
		t.Errorf("state after restart %+v (no probe: ready once running)", s)
	}
	p.stop()
	if s := p.snapshot(); !s.Stopped || s.Running || s.Ready {
		t.Errorf("state after stop %+v", s)
	}
	log, _ := os.ReadFile(p.logPath)
	if !strings.Contains(string(log), "ended: exit code 3") || strings.Count(string(log), "ended:") != 2 {
		t.Errorf("log:\n%s", log)
	}
}

func TestProcReadinessFollowsTheProbe(t *testing.T) {
	ready := make(chan bool, 1)
	ready <- false
	var current bool
	p := &proc{
		bin: "/bin/sh", logPath: filepath.Join(t.TempDir(), "p.log"), launch: &launch{Args: []string{"-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"}},
		interval: 10 * time.Millisecond, changed: func() {}, grace: 5 * time.Second,
		probe: func(context.Context) bool {
			select {
			case current = <-ready:
			default:
			}
			return current
		},
	}
	p.run(context.Background())
	defer p.stop()
	waitFor(t, "running", func() bool { return p.snapshot().Running })
	if p.snapshot().Ready {
		t.Fatal("ready before the probe passed")
	}
	ready <- true
	waitFor(t, "ready", func() bool { return p.snapshot().Ready })
}

// A process that stops answering its liveness probe is restarted once the
// probe failed failureThreshold times in a row; none is made before the
// process was first ready.
func TestProcLivenessRestarts(t *testing.T) {
	alive := make(chan bool, 1)
	alive <- true
	var current, probedBeforeReady bool
	var ready bool
	readyCh := make(chan bool, 1)
	readyCh <- false
	p := &proc{
		bin: "/bin/sh", logPath: filepath.Join(t.TempDir(), "p.log"), launch: &launch{Args: []string{"-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"}},
		interval: 10 * time.Millisecond, period: 10 * time.Millisecond, changed: func() {}, grace: 5 * time.Second,
		probe: func(context.Context) bool {
			select {
			case ready = <-readyCh:
			default:
			}
			return ready
		},
		livePeriod: 10 * time.Millisecond, liveFailures: 3,
	}
	p.liveness = func(context.Context) bool {
		if !ready {
			probedBeforeReady = true
		}
		select {
		case current = <-alive:
		default:
		}
		return current
	}
	p.run(context.Background())
	defer p.stop()
	waitFor(t, "running", func() bool { return p.snapshot().Running })
	time.Sleep(100 * time.Millisecond)
	readyCh <- true
	waitFor(t, "ready", func() bool { return p.snapshot().Ready })
	time.Sleep(100 * time.Millisecond)
	if s := p.snapshot(); s.Restarts != 0 || !s.Running {
		t.Fatalf("restarted while alive: %+v", s)
	}
	alive <- false
	waitFor(t, "a restart after the liveness probe failed", func() bool { return p.snapshot().Restarts == 1 })
	if probedBeforeReady {
		t.Error("liveness probed before the process was first ready")
	}
	log, _ := os.ReadFile(p.logPath)
	if !strings.Contains(string(log), "liveness probe failed 3 times") {
		t.Errorf("log:\n%s", log)
	}
}

// A liveness probe that does not answer within its timeoutSeconds fails:
// a hung process is restarted, not waited for.
func TestProcLivenessTimesOut(t *testing.T) {
	var hung atomic.Bool
	p := &proc{
		bin: "/bin/sh", logPath: filepath.Join(t.TempDir(), "p.log"), launch: &launch{Args: []string{"-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"}},
		interval: 10 * time.Millisecond, period: 10 * time.Millisecond, changed: func() {}, grace: 5 * time.Second,
		livePeriod: 10 * time.Millisecond, liveFailures: 2, liveTimeout: 20 * time.Millisecond,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hung.Load() {
			<-r.Context().Done() // answers only once the prober gives up
		}
	}))
	defer srv.Close()
	p.liveness = httpProbe(srv.URL + "/healthz")
	p.run(context.Background())
	defer p.stop()
	waitFor(t, "ready", func() bool { return p.snapshot().Ready })
	time.Sleep(100 * time.Millisecond)
	if s := p.snapshot(); s.Restarts != 0 {
		t.Fatalf("restarted while answering: %+v", s)
	}
	hung.Store(true)
	waitFor(t, "a restart after two probes timed out", func() bool { return p.snapshot().Restarts == 1 })
}
