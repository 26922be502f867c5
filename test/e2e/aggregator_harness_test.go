package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// aggregator is one bin/aggregator process following static sources.
type aggregator struct {
	t       testing.TB
	cmd     *exec.Cmd
	Base    string // origin of --listen
	Metrics string // origin of --metrics-listen
	DataDir string
	logs    *syncBuffer
	exited  chan struct{}
}

// aggSource is one --source of the aggregator: a running fhirserver, the
// name the aggregator knows it by and its customer.
type aggSource struct {
	name, customer string
	srv            *server
}

func (s aggSource) flag() string {
	return fmt.Sprintf("name=%s,customer=%s,url=%s,credentials-dir=%s", s.name, s.customer, s.srv.Base,
		filepath.Join(s.srv.DataDir, "credentials"))
}

// startAggregator runs bin/aggregator over dataDir with a --source for
// each source and waits until /readyz answers 200. It is killed when the
// test ends.
func startAggregator(t testing.TB, dataDir string, sources []aggSource, extra ...string) *aggregator {
	t.Helper()
	addr, maddr := freeAddr(t), freeAddr(t)
	args := []string{"--data-dir", dataDir, "--listen", addr, "--metrics-listen", maddr,
		"--base-url", "http://" + addr, "--log-format", "text", "--shutdown-timeout", "10s"}
	for _, s := range sources {
		args = append(args, "--source", s.flag())
	}
	return launchAggregator(t, addr, maddr, dataDir, nil, append(args, extra...)...)
}

// launchAggregator runs bin/aggregator with exactly args and env added to
// the environment, and waits until /readyz on the metrics address maddr
// answers 200.
func launchAggregator(t testing.TB, addr, maddr, dataDir string, env []string, args ...string) *aggregator {
	t.Helper()
	a := &aggregator{t: t, Base: "http://" + addr, Metrics: "http://" + maddr, DataDir: dataDir,
		logs: &syncBuffer{}, exited: make(chan struct{})}
	a.cmd = exec.Command(filepath.Join(binDir, "aggregator"), args...)
	a.cmd.Env = append(os.Environ(), env...)
	a.cmd.Stdout, a.cmd.Stderr = a.logs, a.logs
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.cmd.Wait(); close(a.exited) }()
	t.Cleanup(a.kill)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-a.exited:
			t.Fatalf("aggregator exited during start:\n%s", a.logs.String())
		default:
		}
		if resp, err := http.Get(a.Metrics + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return a
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("aggregator not ready after 30s:\n%s", a.logs.String())
	return nil
}

// kill sends SIGKILL.
func (a *aggregator) kill() {
	if a.cmd.Process != nil {
		_ = a.cmd.Process.Signal(syscall.SIGKILL)
		<-a.exited
	}
}

// stop sends SIGTERM and returns the exit code.
func (a *aggregator) stop() int {
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		a.t.Fatalf("aggregator did not stop within 30s of SIGTERM:\n%s", a.logs.String())
	}
	return a.cmd.ProcessState.ExitCode()
}

// metric is the value of one sample of /metrics: name with the given
// labels (a subset of the sample's); false when there is none.
func (a *aggregator) metric(name string, labels map[string]string) (float64, bool) {
	resp, err := http.Get(a.Metrics + "/metrics")
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
next:
	for line := range strings.Lines(string(body)) {
		sample, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || (sample != name && !strings.HasPrefix(sample, name+"{")) {
			continue
		}
		for k, v := range labels {
			if !strings.Contains(sample, k+`="`+v+`"`) {
				continue next
			}
		}
		f, err := strconv.ParseFloat(value, 64)
		return f, err == nil
	}
	return 0, false
}

// waitCaughtUp waits until the aggregator was at the head of every
// source's feed after the last change each source committed so far, so
// that every change is applied (not necessarily reported yet); for at
// most a minute, or within (benchmarks draining large backlogs).
func (a *aggregator) waitCaughtUp(t testing.TB, sources []aggSource, within ...time.Duration) {
	t.Helper()
	limit := time.Minute
	if len(within) > 0 {
		limit = within[0]
	}
	for _, s := range sources {
		last := lastChange(t, s.srv)
		deadline := time.Now().Add(limit)
		for {
			v, ok := a.metric("aggregator_source_last_sync_timestamp_seconds", map[string]string{"source": s.name})
			if ok && v > float64(last.UnixNano())/1e9 {
				break
			}
			if time.Now().After(deadline) {
				applied, _ := a.metric("aggregator_changes_applied_total", map[string]string{"source": s.name})
				t.Fatalf("the aggregator never caught up with %s (last change %s, last sync %v, %v changes applied):\n%s",
					s.name, last, v, applied, a.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// lastChange is the commit time of the newest change of s's feed.
func lastChange(t testing.TB, s *server) time.Time {
	t.Helper()
	feed := s.feed()
	var last time.Time
	for cursor := ""; ; {
		p, err := feed.Poll(context.Background(), cursor, 1000, 0)
		if err != nil {
			t.Fatalf("feed of %s: %v", s.Base, err)
		}
		if len(p.Changes) == 0 {
			return last
		}
		last = p.Changes[len(p.Changes)-1].LastUpdated
		cursor = p.Next
	}
}

// aggregated is every live resource of a stopped aggregator's store,
// keyed Type/id, each without meta.versionId and meta.lastUpdated (which
// the store stamps, so they differ between runs that reached the same
// set by different paths), and the Type/id of every resource that was
// there and is deleted.
func aggregated(t *testing.T, dataDir string) (live map[string]map[string]any, gone map[string]bool) {
	t.Helper()
	st, err := storage.Open(filepath.Join(dataDir, "store"), storage.Options{})
	if err != nil {
		t.Fatalf("open the aggregated store: %v", err)
	}
	defer st.Close()
	ctx := context.Background()
	seen := map[string]bool{}
	live, gone = map[string]map[string]any{}, map[string]bool{}
	for cursor := ""; ; {
		page, err := st.Changes(ctx, cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes) == 0 {
			return live, gone
		}
		for _, c := range page.Changes {
			key := c.Type + "/" + c.ID
			if seen[key] {
				continue
			}
			seen[key] = true
			rec, err := st.Get(ctx, c.Type, c.ID)
			if errors.Is(err, storage.ErrGone) || (err == nil && rec.Deleted) {
				gone[key] = true
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			var res map[string]any
			if err := json.Unmarshal(rec.JSON, &res); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if meta, ok := res["meta"].(map[string]any); ok {
				delete(meta, "versionId")
				delete(meta, "lastUpdated")
			}
			live[key] = res
		}
		cursor = page.Next
	}
}
