package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// startServer runs a real server on a loopback port and returns its base URL
// and a function that stops it and returns Serve's error.
func startServer(t *testing.T, dataDir string) (string, func() error) {
	t.Helper()
	base, _, stop := startServerMetrics(t, dataDir)
	return base, stop
}

// startServerMetrics is startServer that also returns the base URL of the
// metrics listener.
func startServerMetrics(t *testing.T, dataDir string) (string, string, func() error) {
	t.Helper()
	base, srv, stop := startServerWith(t, dataDir)
	return base, "http://" + srv.MetricsAddr().String(), stop
}

// startServerWith is startServer with more flags; it returns the running
// Server too.
func startServerWith(t *testing.T, dataDir string, extra ...string) (string, *Server, func() error) {
	t.Helper()
	// The base URL (token audience, Location headers) names the port, so
	// find a free one first.
	addr := testenv.FreeAddr(t)
	base := "http://" + addr
	cfg, err := ParseFlags("fhirserver", append([]string{"--fhir-version", "R4", "--data-dir", dataDir,
		"--listen", addr, "--metrics-listen", "127.0.0.1:0", "--base-url", base, "--shutdown-timeout", "5s"}, extra...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, cfg, logr.Discard())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	waitReady(t, base)
	return base, srv, func() error { cancel(); return <-done }
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server never became ready")
}

func token(t *testing.T, base, dataDir string) string {
	t.Helper()
	id, _ := os.ReadFile(filepath.Join(dataDir, "credentials", "client_id"))
	secret, _ := os.ReadFile(filepath.Join(dataDir, "credentials", "client_secret"))
	req, _ := http.NewRequest("POST", base+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(string(id), string(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token endpoint: status %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

func do(t *testing.T, method, u, bearer, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerServesAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	base, metricsBase, stop := startServerMetrics(t, dir)

	if code, body := do(t, "GET", base+"/healthz", "", ""); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, _ := do(t, "GET", base+"/fhir/Patient", "", ""); code != 401 {
		t.Fatalf("FHIR API without a token: want 401, got %d", code)
	}
	if code, body := do(t, "GET", base+"/fhir/metadata", "", ""); code != 200 || !strings.Contains(body, `"CapabilityStatement"`) {
		t.Fatalf("metadata must be public: %d", code)
	}
	if code, body := do(t, "GET", base+"/fhir/.well-known/smart-configuration", "", ""); code != 200 || !strings.Contains(body, "/oauth2/token") {
		t.Fatalf("smart configuration: %d %s", code, body)
	}
	tok := token(t, base, dir)
	code, body := do(t, "POST", base+"/fhir/Patient", tok, `{"resourceType":"Patient","birthDate":"1970-01-01"}`)
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var created struct{ ID string }
	_ = json.Unmarshal([]byte(body), &created)

	// /metrics is on the metrics listener only: the public one, which the
	// Ingress routes, must not tell store size and feed position.
	if code, _ := do(t, "GET", base+"/metrics", "", ""); code != http.StatusNotFound {
		t.Fatalf("GET /metrics on the public listener: %d, want 404", code)
	}
	for _, probe := range []string{"/healthz", "/readyz"} {
		if code, _ := do(t, "GET", metricsBase+probe, "", ""); code != 200 {
			t.Fatalf("GET %s on the metrics listener: %d", probe, code)
		}
	}
	code, metrics := do(t, "GET", metricsBase+"/metrics", "", "")
	if code != 200 || !strings.Contains(metrics, `fhir_requests_total{code="201",interaction="create",resource_type="Patient"} 1`) ||
		!strings.Contains(metrics, "fhir_change_feed_sequence 1") || !strings.Contains(metrics, "fhir_store_size_bytes") {
		t.Fatalf("metrics miss the create, the feed position or the store size:\n%s", metrics)
	}

	if err := stop(); err != nil {
		t.Fatalf("Serve returned %v after a clean stop", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("the listener is still open after stop")
	}

	// The acknowledged create is there after a restart on the same folder.
	base, stop = startServer(t, dir)
	defer stop()
	if code, body := do(t, "GET", base+"/fhir/Patient/"+created.ID, token(t, base, dir), ""); code != 200 || !strings.Contains(body, "1970-01-01") {
		t.Fatalf("read after restart: %d %s", code, body)
	}
}

func TestReadyzIsUnavailableWhileStopping(t *testing.T) {
	s := &Server{}
	rec := httptestRecorder()
	s.serveReady(rec, nil)
	if rec.code != http.StatusServiceUnavailable {
		t.Fatalf("a server that is not serving must not be ready, got %d", rec.code)
	}
	s.ready.Store(true)
	rec = httptestRecorder()
	s.serveReady(rec, nil)
	if rec.code != http.StatusOK {
		t.Fatalf("want 200 while serving, got %d", rec.code)
	}
}

type recorder struct {
	http.ResponseWriter
	code int
	h    http.Header
}

func httptestRecorder() *recorder               { return &recorder{code: 200, h: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(c int)           { r.code = c }

// TestServerLoadsOnlyItsVersion: an R4 server never decodes the STU3
// definitions, and of its own builds the tables of the types it uses only:
// none of the resource or complex types and no search parameter while idle, a Patient's and the
// data types in it once a Patient is written (about 2.7 MB of heap for all
// R4 types). Other tests of this package use STU3 and other types, so the
// check runs in a fresh process of this test binary.
func TestServerLoadsOnlyItsVersion(t *testing.T) {
	if os.Getenv("FHIRSERVER_TEST_ONLY_R4") == "1" {
		if defs.R4.Loaded() || defs.STU3.Loaded() {
			t.Fatal("definitions decoded before the server started")
		}
		dir := t.TempDir()
		base, stop := startServer(t, dir)
		if !defs.R4.Loaded() {
			t.Fatal("R4 server did not load R4")
		}
		// The validator compiles the few primitive regexes that have no
		// hand-written checker, which builds those primitive types.
		if built := builtExcept(defs.R4, defs.KindPrimitive); len(built) != 0 {
			t.Errorf("idle server built %v", built)
		}
		// Nor has it decoded the search parameters: the index fingerprint
		// it checked at start is their digest from the file's head.
		if defs.R4.SearchParamsLoaded() {
			t.Error("idle server decoded the search parameters")
		}
		// Nor forced a collection: start-up on an empty store leaves too
		// little garbage to be worth one (freeStartupGarbage). The process
		// runs with GOGC=off, so a cycle could only be a forced one, however
		// much the test binary itself (or -race) allocates.
		if n := gcCycles(); n != 0 {
			t.Errorf("idle server collected garbage %d times", n)
		}
		// The aggregator reads every source's CapabilityStatement: it lists
		// every type's parameters from the definitions without building a
		// type or compiling a parameter.
		if code, body := do(t, "GET", base+"/fhir/metadata", "", ""); code != 200 || !strings.Contains(body, `"searchParam"`) {
			t.Fatalf("metadata: %d %.200s", code, body)
		}
		if built := builtExcept(defs.R4, defs.KindPrimitive); len(built) != 0 {
			t.Errorf("GET /metadata built %v", built)
		}
		code, body := do(t, "POST", base+"/fhir/Patient", token(t, base, dir),
			`{"resourceType":"Patient","name":[{"family":"Chalmers"}],"birthDate":"1974-12-25"}`)
		if code != 201 {
			t.Fatalf("create: %d %s", code, body)
		}
		built := builtExcept(defs.R4, defs.KindPrimitive)
		if !slices.Contains(built, "Patient") || !slices.Contains(built, "HumanName") {
			t.Errorf("writing a Patient built only %v", built)
		}
		for _, name := range built {
			if k := defs.R4.Type(name).Kind; k == defs.KindResource && name != "Patient" {
				t.Errorf("writing a Patient built resource type %s too (%v)", name, built)
			}
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if defs.STU3.Loaded() {
			t.Fatal("R4 server decoded the STU3 definitions")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerLoadsOnlyItsVersion$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FHIRSERVER_TEST_ONLY_R4=1", "GOGC=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
}

// TestFreeStartupGarbage: once start-up has collected (it made megabytes of
// garbage), freeStartupGarbage collects again to return the pages.
func TestFreeStartupGarbage(t *testing.T) {
	runtime.GC()
	before := gcCycles()
	freeStartupGarbage()
	if after := gcCycles(); after <= before {
		t.Errorf("no collection: %d cycles before, %d after", before, after)
	}
}

func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// builtExcept lists v's built types other than those of kind k.
func builtExcept(v *defs.Version, k defs.TypeKind) []string {
	var names []string
	for _, name := range v.BuiltTypes() {
		if v.Type(name).Kind != k {
			names = append(names, name)
		}
	}
	return names
}
