package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Issue 3, "The binary (contract, checked from outside)": flags, their
// FHIRSERVER_<FLAG> variables and defaults, the probe endpoints, /metrics (on
// the metrics listener only) and
// SIGTERM.

// runEnvServer starts bin/fhirserver in dir with env and args only and waits
// for /readyz on addr.
func runEnvServer(t *testing.T, dir, addr string, env []string, args ...string) *server {
	t.Helper()
	return launch(t, addr, dir, env, args...)
}

func getJSON(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("GET %s: status %d: %v", u, resp.StatusCode, err)
	}
	return m
}

func TestContractFlagsFromEnvironment(t *testing.T) {
	work := t.TempDir()
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	dataDir := filepath.Join(work, "envdata")
	env := []string{
		"FHIRSERVER_FHIR_VERSION=STU3",
		"FHIRSERVER_DATA_DIR=" + dataDir,
		"FHIRSERVER_LISTEN=" + addr,
		"FHIRSERVER_METRICS_LISTEN=" + metricsAddr,
		"FHIRSERVER_BASE_URL=https://fhir.example.test",
		"FHIRSERVER_MAX_BODY_BYTES=2000",
		"FHIRSERVER_TOKEN_TTL=2m",
		"FHIRSERVER_CACHE_SIZE=64MiB",
	}
	s := runEnvServer(t, work, addr, env)
	cap := getJSON(t, s.Base+"/fhir/metadata")
	if cap["fhirVersion"] != "3.0.2" {
		t.Errorf("FHIRSERVER_FHIR_VERSION=STU3: fhirVersion %v, want 3.0.2", cap["fhirVersion"])
	}
	if impl, _ := cap["implementation"].(map[string]any); impl == nil || impl["url"] != "https://fhir.example.test/fhir" {
		t.Errorf("FHIRSERVER_BASE_URL: implementation %v, want url https://fhir.example.test/fhir", cap["implementation"])
	}
	if _, err := os.Stat(filepath.Join(dataDir, "credentials", "client_id")); err != nil {
		t.Errorf("FHIRSERVER_DATA_DIR: no generated credentials under it: %v", err)
	}
	// The token is issued for the configured base, and honours the TTL flag.
	s.DataDir = dataDir
	id, _ := os.ReadFile(filepath.Join(dataDir, "credentials", "client_id"))
	secret, _ := os.ReadFile(filepath.Join(dataDir, "credentials", "client_secret"))
	tok := postToken(t, s.Base, url.Values{"grant_type": {"client_credentials"}}, string(id), string(secret))
	if tok.status != 200 || tok.body["expires_in"] != float64(120) {
		t.Errorf("FHIRSERVER_TOKEN_TTL=2m: status %d expires_in %v, want 120", tok.status, tok.body["expires_in"])
	}
	// FHIRSERVER_MAX_BODY_BYTES=2000: a larger body is refused with 413.
	c := newClient(s.Base, tok.body["access_token"].(string))
	big := `{"resourceType":"Patient","name":[{"family":"` + strings.Repeat("a", 3000) + `"}]}`
	resp, err := c.do(t.Context(), "POST", "/Patient", []byte(big), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, resp, http.StatusRequestEntityTooLarge, "")
	// FHIRSERVER_METRICS_LISTEN: /metrics answers there.
	if code, _ := getStatus(t, "http://"+metricsAddr+"/metrics"); code != 200 {
		t.Errorf("FHIRSERVER_METRICS_LISTEN: GET /metrics on %s: %d, want 200", metricsAddr, code)
	}
}

// httpGet returns the status and body of GET u (0 and "" on a transport error).
func httpGet(u string) (int, string) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// getStatus GETs u and returns the status and the body; a transport error
// fails the test.
func getStatus(t *testing.T, u string) (int, []byte) {
	t.Helper()
	code, body := httpGet(u)
	if code == 0 {
		t.Fatalf("GET %s: no answer", u)
	}
	return code, []byte(body)
}

func TestContractFlagDefaults(t *testing.T) {
	work := t.TempDir()
	addr := freeAddr(t)
	// No --data-dir and no --base-url: ./data and http://localhost:8080.
	s := runEnvServer(t, work, addr, nil, "--fhir-version", "R4", "--listen", addr)
	if _, err := os.Stat(filepath.Join(work, "data", "credentials", "client_secret")); err != nil {
		t.Errorf("default --data-dir ./data: %v", err)
	}
	cap := getJSON(t, s.Base+"/fhir/metadata")
	if impl, _ := cap["implementation"].(map[string]any); impl == nil || impl["url"] != "http://localhost:8080/fhir" {
		t.Errorf("default --base-url: implementation %v, want url http://localhost:8080/fhir", cap["implementation"])
	}
	smart := getJSON(t, s.Base+"/fhir/.well-known/smart-configuration")
	if smart["token_endpoint"] != "http://localhost:8080/oauth2/token" {
		t.Errorf("default --base-url: token_endpoint %v", smart["token_endpoint"])
	}
}

func TestContractFhirVersionRequired(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
	}{
		{"missing", nil, nil},
		{"unknown flag value", []string{"--fhir-version", "R5"}, nil},
		{"unknown env value", nil, []string{"FHIRSERVER_FHIR_VERSION=DSTU2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--data-dir", t.TempDir(), "--listen", freeAddr(t)}, tc.args...)
			cmd := exec.Command(filepath.Join(binDir, "fhirserver"), args...)
			cmd.Env = append(os.Environ(), tc.env...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("fhirserver started without a valid --fhir-version:\n%s", out)
			}
			if !strings.Contains(string(out), "fhir-version") {
				t.Errorf("error does not name --fhir-version:\n%s", out)
			}
		})
	}
}

func TestContractProbesMetricsAndSigterm(t *testing.T) {
	cs := startContract(t, "R4")
	// The probes answer on both listeners.
	for _, origin := range []string{cs.srv.Base, cs.srv.Metrics} {
		for _, path := range []string{"/healthz", "/readyz"} {
			if code, _ := getStatus(t, origin+path); code != 200 {
				t.Errorf("GET %s%s: %d, want 200", origin, path, code)
			}
		}
	}
	id := cs.create(t, "Patient", `{"resourceType":"Patient"}`)
	if r := cs.call(t, "GET", "/Patient/"+id, "", nil); r.Status != 200 {
		t.Fatalf("read: %d", r.Status)
	}
	// /metrics needs no token, so it is served only on --metrics-listen,
	// which the Ingress does not route; the public listener has none.
	if code, _ := getStatus(t, cs.srv.Base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on --listen: %d, want 404", code)
	}
	code, body := getStatus(t, cs.srv.Metrics+"/metrics")
	if code != 200 {
		t.Fatalf("GET /metrics on --metrics-listen: %d", code)
	}
	// Requests and latency per interaction and resource type, store size,
	// change-feed position.
	want := []string{
		`(?m)^fhir_requests_total\{[^}]*interaction="create"[^}]*resource_type="Patient"[^}]*\} 1$`,
		`(?m)^fhir_requests_total\{[^}]*interaction="read"[^}]*resource_type="Patient"[^}]*\} 1$`,
		`(?m)^fhir_request_duration_seconds_count\{interaction="create",resource_type="Patient"\} 1$`,
		`(?m)^fhir_request_duration_seconds_bucket\{interaction="read",resource_type="Patient",le="\+Inf"\} 1$`,
		`(?m)^fhir_store_size_bytes [1-9][0-9]*$`,
		`(?m)^fhir_change_feed_sequence 1$`,
		`(?m)^go_goroutines `, // client_golang's default collectors
	}
	for _, re := range want {
		if !regexp.MustCompile(re).Match(body) {
			t.Errorf("/metrics lacks %s", re)
		}
	}
	if code := cs.srv.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit code %d, want 0:\n%s", code, cs.srv.logs.String())
	}
	// The write survived the orderly stop.
	again := startServer(t, "R4", cs.srv.DataDir)
	c := newClient(again.Base, again.token(false))
	r, err := c.do(t.Context(), "GET", "/Patient/"+id, nil, nil)
	if err != nil || r.Status != 200 {
		t.Fatalf("read after SIGTERM and restart: %v %d", err, r.Status)
	}
}

func TestContractGeneratedCredentials(t *testing.T) {
	cs := startContract(t, "STU3")
	dir := filepath.Join(cs.srv.DataDir, "credentials")
	for _, name := range []string{"client_id", "client_secret", "aggregator_client_id", "aggregator_client_secret", "token_signing_key"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, fi.Mode().Perm())
		}
		if strings.HasSuffix(name, "secret") {
			secret, _ := os.ReadFile(filepath.Join(dir, name))
			if strings.Contains(cs.srv.logs.String(), strings.TrimSpace(string(secret))) {
				t.Errorf("the log shows %s", name)
			}
		}
	}
	if !strings.Contains(cs.srv.logs.String(), dir) {
		t.Errorf("the log does not name the credentials folder %s", dir)
	}
	key, _ := os.ReadFile(filepath.Join(dir, "token_signing_key"))
	if !strings.Contains(string(key), "-----BEGIN") {
		t.Errorf("token_signing_key is not PEM")
	}
	// A restart keeps the same set rather than generating a new one.
	before, _ := os.ReadFile(filepath.Join(dir, "client_secret"))
	if code := cs.srv.stop(); code != 0 {
		t.Fatalf("SIGTERM exit %d", code)
	}
	startServer(t, "STU3", cs.srv.DataDir)
	after, _ := os.ReadFile(filepath.Join(dir, "client_secret"))
	if string(before) != string(after) {
		t.Errorf("a restart replaced the generated client_secret")
	}
}

// TestContractCacheSizeRefused: a --cache-size the server cannot read
// exactly (a decimal unit, a typo) stops the start, naming the variable,
// instead of running with a cache nobody asked for.
func TestContractCacheSizeRefused(t *testing.T) {
	for _, v := range []string{"64MB", "lots", "512KiB"} {
		t.Run(v, func(t *testing.T) {
			// A server that ignores the variable starts and never exits.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(binDir, "fhirserver"), "--fhir-version", "R4",
				"--data-dir", t.TempDir(), "--listen", freeAddr(t), "--metrics-listen=")
			cmd.Env = append(os.Environ(), "FHIRSERVER_CACHE_SIZE="+v)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Fatalf("FHIRSERVER_CACHE_SIZE=%s: %v, want exit code 2:\n%s", v, err, out)
			}
			if !strings.Contains(string(out), "cache-size") && !strings.Contains(string(out), "CACHE_SIZE") {
				t.Errorf("error does not name the cache size:\n%s", out)
			}
		})
	}
}
