package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
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

// TestAggregatedEndpointPlaceholder: until the endpoint is built, /fhir
// answers 503 with an OperationOutcome that says so.
func TestAggregatedEndpointPlaceholder(t *testing.T) {
	mux := http.NewServeMux()
	if _, err := mountAggregatedEndpoint(t.Context(), mux, config{}, nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/fhir", "/fhir/Patient/1", "/fhir/metadata"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"OperationOutcome"`) ||
			!strings.Contains(w.Body.String(), "aggregated endpoint not built yet") || w.Header().Get("Content-Type") != "application/fhir+json" {
			t.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
	}
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
