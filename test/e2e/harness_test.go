package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// binDir holds the binaries built once for the whole package run.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fhirfleet-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for _, name := range []string{"fhirserver", "aggregator"} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, name), "github.com/fhirfleet/fhirfleet/cmd/"+name)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one fhirserver process.
type server struct {
	t    testing.TB
	cmd  *exec.Cmd
	Base string // origin, e.g. http://127.0.0.1:41234
	// Metrics is the origin of the metrics listener (/metrics, probes).
	Metrics string
	DataDir string
	logs    *syncBuffer
	exited  chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr is testenv.FreeAddr: a loopback port that no connection's
// source port can take before the server binds it.
func freeAddr(t testing.TB) string { return testenv.FreeAddr(t) }

// startServer runs bin/fhirserver on a fresh loopback port over dataDir and
// waits until /readyz answers 200.
func startServer(t testing.TB, version, dataDir string, extra ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"--fhir-version", version, "--data-dir", dataDir, "--listen", addr,
		"--base-url", "http://" + addr, "--log-format", "text"}, extra...)
	s := launch(t, addr, "", nil, args...)
	s.DataDir = dataDir
	return s
}

// launch runs bin/fhirserver with exactly args (in dir, with env added to
// the environment, when given) and waits until /readyz on addr answers 200.
// Unless args or env name a metrics listener, FHIRSERVER_METRICS_LISTEN
// puts it on a free loopback port, so that servers of parallel tests never
// meet on the default :9090. The process is killed when the test ends.
func launch(t testing.TB, addr, dir string, env []string, args ...string) *server {
	t.Helper()
	s := &server{t: t, Base: "http://" + addr, logs: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(filepath.Join(binDir, "fhirserver"), args...)
	s.cmd.Dir = dir
	s.Metrics = metricsOrigin(args, env)
	if s.Metrics == "" {
		maddr := freeAddr(t)
		env = append(env, "FHIRSERVER_METRICS_LISTEN="+maddr)
		s.Metrics = "http://" + maddr
	}
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			t.Fatalf("fhirserver exited during start:\n%s", s.logs.String())
		default:
		}
		if resp, err := http.Get(s.Base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("fhirserver not ready after 30s:\n%s", s.logs.String())
	return nil
}

// metricsOrigin is the origin of the metrics listener args or env set
// ("" when neither does); the command line wins, as in the binary.
func metricsOrigin(args, env []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--metrics-listen="); ok {
			return "http://" + v
		}
		if a == "--metrics-listen" && i+1 < len(args) {
			return "http://" + args[i+1]
		}
	}
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "FHIRSERVER_METRICS_LISTEN="); ok {
			return "http://" + v
		}
	}
	return ""
}

// kill sends SIGKILL: no flush, no close, as in a power cut or an OOM kill.
func (s *server) kill() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
}

// stop sends SIGTERM and returns the exit code.
func (s *server) stop() int {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.t.Fatalf("fhirserver did not stop within 30s of SIGTERM:\n%s", s.logs.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

// credentials are the customer client's (or the aggregator client's)
// client credentials, from the files the server generated under the data
// dir.
func (s *server) credentials(aggregator bool) *changefeed.ClientCredentials {
	s.t.Helper()
	prefix := ""
	if aggregator {
		prefix = "aggregator_"
	}
	id, err1 := os.ReadFile(filepath.Join(s.DataDir, "credentials", prefix+"client_id"))
	secret, err2 := os.ReadFile(filepath.Join(s.DataDir, "credentials", prefix+"client_secret"))
	if err1 != nil || err2 != nil {
		s.t.Fatalf("credentials: %v %v", err1, err2)
	}
	return &changefeed.ClientCredentials{TokenURL: s.Base + "/oauth2/token",
		ClientID: strings.TrimSpace(string(id)), ClientSecret: strings.TrimSpace(string(secret))}
}

// token obtains a client-credentials token for the customer client (or the
// aggregator client).
func (s *server) token(aggregator bool) string {
	s.t.Helper()
	tok, err := s.credentials(aggregator).Token(context.Background())
	if err != nil {
		s.t.Fatalf("token: %v", err)
	}
	return tok
}

// feed follows the server's change feed as the aggregator does.
func (s *server) feed() *changefeed.Client {
	s.t.Helper()
	c, err := changefeed.New(s.Base+"/fhir", s.credentials(true), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// fhirClient is a minimal HTTP client for assertions; the third-party
// clients are exercised in their own tests.
type fhirClient struct {
	base  string
	token string
	http  *http.Client
}

func newClient(base, token string) *fhirClient {
	return &fhirClient{base: base + "/fhir", token: token, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}}
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (c *fhirClient) do(ctx context.Context, method, path string, body []byte, hdr map[string]string) (response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/fhir+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}
