package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

type fakeDiscoverer struct{}

func (fakeDiscoverer) Run(context.Context, func([]source.Spec)) error { return nil }

// TestDiscovery: --source means static sources; without it the
// aggregator needs a cluster, and says to pass --source when there is
// none or when Kubernetes discovery is not built in.
func TestDiscovery(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	inCluster := func(k string) string {
		if k == "KUBERNETES_SERVICE_HOST" {
			return "10.0.0.1"
		}
		return ""
	}
	noCluster := func(string) string { return "" }
	static := config{Sources: []source.Static{{Name: "a", Customer: "c", Origin: "http://127.0.0.1:1", CredentialsDir: t.TempDir()}}}

	d, sink, err := discovery(t.Context(), static, noCluster, log)
	if _, ok := d.(*source.StaticDiscoverer); !ok || sink != nil || err != nil {
		t.Fatalf("static: %T %v %v", d, sink, err)
	}

	saved := kubeSources
	t.Cleanup(func() { kubeSources = saved })
	kubeSources = nil
	for name, getenv := range map[string]func(string) string{"outside a cluster": noCluster, "not built in": inCluster} {
		_, _, err := discovery(t.Context(), config{SourceAddress: "service"}, getenv, log)
		var usage *usageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), "pass --source name=<n>") {
			t.Errorf("%s: %v", name, err)
		}
	}

	var got []any
	kubeSources = func(_ context.Context, kubeconfig string, namespaces []string, addr string, _ *slog.Logger) (source.Discoverer, source.StatusSink, error) {
		got = []any{kubeconfig, strings.Join(namespaces, ","), addr}
		return fakeDiscoverer{}, nil, nil
	}
	if d, _, err := discovery(t.Context(), config{Kubeconfig: "/k", Namespaces: []string{"a", "b"}, SourceAddress: "public"}, noCluster, log); err != nil || d != (fakeDiscoverer{}) {
		t.Fatalf("kubernetes: %v %v", d, err)
	}
	if fmt.Sprint(got) != "[/k a,b public]" {
		t.Fatalf("kubeSources called with %v", got)
	}
}

// TestAggregatedEndpointMounted: the public listener serves the
// aggregated endpoint over the aggregator's store — read-only R4, its
// token endpoint beside it — and the probes stay where they are.
func TestAggregatedEndpointMounted(t *testing.T) {
	dir := t.TempDir()
	store, err := storage.Open(filepath.Join(dir, "store"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if err := store.ClaimFHIRVersion("R4"); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags("aggregator", []string{"--base-url", "http://agg.example"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&readiness{}).handleProbes(mux)
	ep, _, err := mountAggregatedEndpoint(t.Context(), mux, cfg, dir, store, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ep.Close)
	for _, tt := range []struct {
		method, path string
		want         int
		body         string
	}{
		{"GET", "/fhir/metadata", 200, `"CapabilityStatement"`},
		{"POST", "/fhir/Patient", 401, `"OperationOutcome"`}, // 405 once authenticated: aggregator/endpoint
		{"GET", "/fhir/Patient/1", 401, `"OperationOutcome"`},
		{"POST", "/oauth2/token", 400, `"error"`},
		{"GET", "/healthz", 200, ""},
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.body) {
			t.Errorf("%s %s: %d %s, want %d with %s", tt.method, tt.path, w.Code, w.Body, tt.want, tt.body)
		}
	}
}

// TestWithCustomers: every customer of a source set gets its client
// before the follower hears of the set.
func TestWithCustomers(t *testing.T) {
	var log []string
	d := withCustomers{
		Discoverer: staticSet{{Name: "a", Customer: "acme"}, {Name: "b", Customer: "beta"}},
		ensure:     func(c string) error { log = append(log, "ensure "+c); return nil },
		log:        slog.New(slog.DiscardHandler),
	}
	if err := d.Run(t.Context(), func(specs []source.Spec) { log = append(log, fmt.Sprintf("update %d", len(specs))) }); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(log, "; "); got != "ensure acme; ensure beta; update 2" {
		t.Fatalf("got %s", got)
	}
}

type staticSet []source.Spec

func (s staticSet) Run(_ context.Context, update func([]source.Spec)) error {
	update(s)
	return nil
}

// TestReadiness: not ready until marked, then ready.
func TestReadiness(t *testing.T) {
	r := &readiness{}
	mux := http.NewServeMux()
	r.handleProbes(mux)
	probe := func(path string) int {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Code
	}
	if probe("/healthz") != 200 || probe("/readyz") != 503 {
		t.Fatal("before start: want healthy, not ready")
	}
	r.ready.Store(true)
	if probe("/readyz") != 200 {
		t.Fatal("not ready once marked")
	}
}

// TestRunRefusesWhatCannotRun: bad flags and no way to find sources exit
// 2 before anything is opened; --help exits 0.
func TestRunRefusesWhatCannotRun(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tt := range []struct {
		args []string
		want int
	}{
		{[]string{"--source", "name=a"}, 2},
		{[]string{"--max-concurrent-sources", "-1"}, 2},
		{nil, 2}, // no --source, not in a cluster
		{[]string{"--help"}, 0},
	} {
		if got := run(tt.args, noEnv); got != tt.want {
			t.Errorf("run(%q) = %d, want %d", tt.args, got, tt.want)
		}
	}
}
