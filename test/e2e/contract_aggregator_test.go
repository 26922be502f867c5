package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The aggregator binary's contract (PREAMBLE of issue 9's work, checked
// from outside): its flags and their AGGREGATOR_<FLAG> variables, exit 2
// with a clear message on bad flags and when there is nowhere to find
// sources, the probes on both listeners, /metrics on the metrics listener
// only, its store under --data-dir, SIGTERM exits 0.

// runAggregatorOnce runs bin/aggregator to its exit with args and env
// (and no KUBERNETES_SERVICE_HOST) and returns its exit code and output.
func runAggregatorOnce(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "aggregator"), args...)
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "KUBERNETES_SERVICE_HOST=") && !strings.HasPrefix(e, "AGGREGATOR_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

func TestContractAggregatorFlags(t *testing.T) {
	code, help := runAggregatorOnce(t, nil, "--help")
	if code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	for _, f := range []string{"data-dir", "listen", "metrics-listen", "base-url", "source", "kubeconfig", "namespace",
		"source-address", "forget-deleted", "max-concurrent-sources", "clients-dir", "credentials-dir", "patient-issuer",
		"patient-jwks", "patient-audience", "patient-min-proofing", "log-format", "shutdown-timeout",
		"join-base-url", "invitation-ttl", "smtp-url"} {
		if !strings.Contains(help, "-"+f+" ") && !strings.Contains(help, "-"+f+"\n") {
			t.Errorf("--help does not list --%s:\n%s", f, help)
		}
	}

	for _, tt := range []struct {
		name string
		env  []string
		args []string
		want string // in the output
	}{
		{"no --source outside a cluster", nil, nil, "pass --source name=<n>,customer=<c>,url=<origin>,credentials-dir=<dir>"},
		{"a --source missing a key", nil, []string{"--source", "name=a,customer=c,url=http://127.0.0.1:1"}, "key credentials-dir is missing"},
		{"a --source with an unknown key", nil, []string{"--source", "name=a,customer=c,url=http://127.0.0.1:1,credentials-dir=/c,colour=red"}, `unknown key "colour"`},
		{"two sources of one name", []string{"AGGREGATOR_SOURCE=name=a,customer=c,url=http://127.0.0.1:1,credentials-dir=/c;name=a,customer=d,url=http://127.0.0.1:2,credentials-dir=/d"}, nil, "name a is already used"},
		{"AGGREGATOR_SOURCE_ADDRESS", []string{"AGGREGATOR_SOURCE_ADDRESS=pod"}, nil, "--source-address"},
		{"AGGREGATOR_MAX_CONCURRENT_SOURCES", []string{"AGGREGATOR_MAX_CONCURRENT_SOURCES=0"}, nil, "--max-concurrent-sources"},
		{"AGGREGATOR_FORGET_DELETED", []string{"AGGREGATOR_FORGET_DELETED=maybe"}, nil, "AGGREGATOR_FORGET_DELETED"},
		{"AGGREGATOR_LOG_FORMAT", []string{"AGGREGATOR_LOG_FORMAT=xml"}, nil, "--log-format"},
		{"AGGREGATOR_BASE_URL", []string{"AGGREGATOR_BASE_URL=agg.example"}, nil, "--base-url"},
		{"AGGREGATOR_INVITATION_TTL", []string{"AGGREGATOR_INVITATION_TTL=0s"}, nil, "--invitation-ttl"},
		{"AGGREGATOR_JOIN_BASE_URL", []string{"AGGREGATOR_JOIN_BASE_URL=join.example"}, nil, "--join-base-url"},
		{"AGGREGATOR_SMTP_URL", []string{"AGGREGATOR_SMTP_URL=mail.example:25"}, nil, "--smtp-url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runAggregatorOnce(t, tt.env, tt.args...)
			if code != 2 || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", code, tt.want, out)
			}
		})
	}
}

// TestContractAggregatorFromEnvironment: every setting from
// AGGREGATOR_<FLAG> alone; the probes answer on both listeners, /metrics
// only on the metrics one, the store is under the data dir, SIGTERM exits 0.
func TestContractAggregatorFromEnvironment(t *testing.T) {
	src := aggSource{"env-src", "acme", startServer(t, "R4", t.TempDir())}
	put(t, src.srv, "Patient/p1", `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://acme.example/mrn","value":"1"}]}`)
	addr, maddr, dataDir := freeAddr(t), freeAddr(t), filepath.Join(t.TempDir(), "agg")
	agg := launchAggregator(t, addr, maddr, dataDir, []string{
		"AGGREGATOR_DATA_DIR=" + dataDir, "AGGREGATOR_LISTEN=" + addr, "AGGREGATOR_METRICS_LISTEN=" + maddr,
		"AGGREGATOR_BASE_URL=http://" + addr, "AGGREGATOR_SOURCE=" + src.flag(), "AGGREGATOR_LOG_FORMAT=text",
		"AGGREGATOR_MAX_CONCURRENT_SOURCES=2", "AGGREGATOR_SHUTDOWN_TIMEOUT=5s",
	})
	agg.waitCaughtUp(t, []aggSource{src})
	for _, u := range []string{agg.Base + "/healthz", agg.Base + "/readyz", agg.Metrics + "/healthz", agg.Metrics + "/readyz"} {
		if code := httpStatus(t, u); code != http.StatusOK {
			t.Errorf("GET %s: %d", u, code)
		}
	}
	if code := httpStatus(t, agg.Base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on --listen: %d, want 404", code)
	}
	for _, name := range []string{"aggregator_source_lag_seconds", "aggregator_source_last_sync_timestamp_seconds",
		"aggregator_changes_applied_total", "aggregator_outcomes_total"} {
		if _, ok := agg.metric(name, map[string]string{"source": "env-src"}); !ok {
			t.Errorf("/metrics has no %s for the source", name)
		}
	}
	if _, ok := agg.metric("aggregator_outcomes_total", map[string]string{"source": "env-src", "status": "accepted"}); !ok {
		t.Error("/metrics has no accepted outcome for the source")
	}
	if code := agg.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit %d:\n%s", code, agg.logs.String())
	}
	if _, err := os.Stat(filepath.Join(dataDir, "store")); err != nil {
		t.Errorf("no store under AGGREGATOR_DATA_DIR: %v", err)
	}
	if live, _ := aggregated(t, dataDir); len(live) != 1 {
		t.Errorf("aggregated set %v, want the one Patient", live)
	}
}

func httpStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
