package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Back-off between restarts of a crashed process: doubling from the first
// to the cap, back to the first after a process stayed up for backoffReset.
const (
	backoffFirst = time.Second
	backoffMax   = 30 * time.Second
	backoffReset = time.Minute
)

// procState is what the pod's status reports about its process.
type procState struct {
	Running      bool
	Ready        bool
	Restarts     int32
	StartedAt    time.Time
	LastExit     string // "exit code 2" of the last run that ended, "" before
	LastExitCode int32
	LastFinished time.Time
	Waiting      string // why the process is not running (CrashLoopBackOff, ...)
	Stopped      bool   // stop finished: the process is gone for good
}

// proc supervises one pod's process: start, restart with back-off, probe, stop.
type proc struct {
	bin, logPath string
	launch       *launch
	probe        func(ctx context.Context) bool // nil: ready once running
	interval     time.Duration                  // probing until ready: quick, so a new pod is Ready soon
	period       time.Duration                  // probing once ready: the probe's periodSeconds, as a kubelet does
	// liveness, when set, is probed every livePeriod once the process has
	// been ready (the kubelet's "started"); liveFailures failures in a row
	// restart it, as a kubelet does.
	liveness     func(ctx context.Context) bool
	livePeriod   time.Duration
	liveFailures int
	liveTimeout  time.Duration // timeoutSeconds: a probe slower than that fails
	changed      func()        // called after every state change

	mu    sync.Mutex
	state procState
	cmd   *exec.Cmd

	cancel context.CancelFunc
	done   chan struct{}
	grace  time.Duration
}

func (p *proc) snapshot() procState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *proc) set(f func(s *procState)) {
	p.mu.Lock()
	f(&p.state)
	p.mu.Unlock()
	p.changed()
}

// run supervises until stop is called.
func (p *proc) run(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		backoff := backoffFirst
		for ctx.Err() == nil {
			started := time.Now()
			err := p.runOnce(ctx)
			if ctx.Err() != nil {
				break
			}
			if time.Since(started) > backoffReset {
				backoff = backoffFirst
			}
			p.set(func(s *procState) {
				s.Running, s.Ready, s.Waiting = false, false, "CrashLoopBackOff"
				s.LastExit, s.LastExitCode, s.LastFinished = err.Error(), exitCode(err), time.Now()
			})
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
				p.set(func(s *procState) { s.Restarts++ })
			}
			backoff = min(backoff*2, backoffMax)
		}
		p.set(func(s *procState) { s.Running, s.Ready, s.Stopped = false, false, true })
	}()
}

// runOnce starts the process, probes it while it runs, and returns why it ended.
func (p *proc) runOnce(ctx context.Context) error {
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "--- nodeagent: starting %s %q at %s\n", p.bin, p.launch.Args, time.Now().UTC().Format(time.RFC3339))
	cmd := exec.Command(p.bin, p.launch.Args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, p.launch.Env...)
	cmd.Dir = filepath.Dir(p.logPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: a stop reaches anything it started, and a
	// Ctrl-C in make dev's terminal reaches the agent, which stops it in order.
	// Pdeathsig: an agent killed outright (kill -9) still takes its
	// servers along, gracefully.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		p.set(func(s *procState) { s.Waiting = "StartError" })
		return fmt.Errorf("start %s: %w", p.bin, err)
	}
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
	// Without a readinessProbe a running container is ready, as in a kubelet.
	p.set(func(s *procState) { s.Running, s.Ready, s.Waiting, s.StartedAt = true, p.probe == nil, "", time.Now() })

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopping := ctx.Done()
	tick := time.NewTicker(p.interval)
	defer tick.Stop()
	var killAt <-chan time.Time
	var probed, lived time.Time
	started, liveFails := false, 0
	for {
		select {
		case err := <-exited:
			fmt.Fprintf(logf, "--- nodeagent: %s ended: %v\n", p.bin, errOrZero(err))
			return errOrZero(err)
		case <-stopping:
			stopping = nil
			p.set(func(s *procState) { s.Ready = false })
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			killAt = time.After(p.grace)
		case <-killAt:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		case <-tick.C:
			if stopping == nil {
				continue
			}
			if p.liveness != nil && started && time.Since(lived) >= p.livePeriod {
				lived = time.Now()
				if p.probeOnce(ctx, p.liveness, p.liveTimeout) {
					liveFails = 0
				} else if liveFails++; liveFails >= p.liveFailures {
					fmt.Fprintf(logf, "--- nodeagent: liveness probe failed %d times: restarting %s\n", liveFails, p.bin)
					stopping = nil
					p.set(func(s *procState) { s.Ready = false })
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
					killAt = time.After(p.grace)
					continue
				}
			}
			if p.snapshot().Ready && time.Since(probed) < p.period {
				continue
			}
			probed = time.Now()
			ready := p.probe == nil || p.probeOnce(ctx, p.probe, p.interval)
			if ready && !started {
				started, lived = true, time.Now()
			}
			if ready != p.snapshot().Ready {
				p.set(func(s *procState) { s.Ready = ready })
			}
		}
	}
}

// probeOnce runs probe with the given timeout (none when zero or less).
func (p *proc) probeOnce(ctx context.Context, probe func(context.Context) bool, timeout time.Duration) bool {
	if timeout <= 0 {
		return probe(ctx)
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return probe(pctx)
}

// stop ends supervision: SIGTERM, then SIGKILL after the grace period. It
// returns once the process is gone.
func (p *proc) stop() {
	p.cancel()
	<-p.done
}

type exitErr struct{ code int32 }

func (e exitErr) Error() string { return fmt.Sprintf("exit code %d", e.code) }

func errOrZero(err error) error {
	if err == nil {
		return exitErr{0}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return exitErr{128 + int32(ws.Signal())}
		}
		return exitErr{int32(ee.ExitCode())}
	}
	return err
}

func exitCode(err error) int32 {
	var e exitErr
	if errors.As(err, &e) {
		return e.code
	}
	return 128
}

// probeClient makes each probe on a new connection, closed after it, as a
// kubelet's prober does (DisableKeepAlives): the servers see what they see
// in a cluster, and with hundreds of pods no shared idle pool evicts and
// closes connections behind the probes' back, waking idle servers.
var probeClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}

// httpProbe is a probe's HTTP GET against the local port.
func httpProbe(url string) func(ctx context.Context) bool {
	return func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode >= 200 && resp.StatusCode < 400
	}
}
