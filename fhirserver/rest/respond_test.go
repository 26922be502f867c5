package rest

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// panicSearch panics on every call, standing in for any bug below the
// handler.
type panicSearch struct{}

func (panicSearch) IndexEntries(string, *fhirjson.Value) ([]storage.IndexEntry, error) {
	panic("boom")
}
func (panicSearch) LastUpdatedEntries(string, string) ([]storage.IndexEntry, error) {
	panic("boom")
}
func (panicSearch) Search(context.Context, search.Request) (*search.Result, error) { panic("boom") }
func (panicSearch) Match(context.Context, *storage.Tx, string, url.Values) ([]string, error) {
	panic("boom")
}

type metricsRecorder struct {
	mu  sync.Mutex
	obs []string
}

func (m *metricsRecorder) ObserveInteraction(in, typ string, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.obs = append(m.obs, in+" "+typ+" "+statusLine(status))
}

func TestPanicsAnswer500AndMetricsObserve(t *testing.T) {
	m := &metricsRecorder{}
	e := newEnv(t, versions[0], func(c *Config) { c.Searcher = panicSearch{}; c.Metrics = m })
	r := e.do("POST", "/fhir/Patient", `{"resourceType":"Patient"}`)
	if r.Status != 500 || issueCode(t, r) != "exception" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/fhir/Patient?name=x", ""); r.Status != 500 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/fhir/Invented", ""); r.Status != 404 {
		t.Fatalf("%d", r.Status)
	}
	if r := e.do("GET", "/fhir/metadata", ""); r.Status != 200 {
		t.Fatalf("%d", r.Status)
	}
	// The observation is made after the answer is written; give the last
	// one a moment to land.
	for i := 0; i < 100; i++ {
		m.mu.Lock()
		n := len(m.obs)
		m.mu.Unlock()
		if n >= 4 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	want := []string{"create Patient 500 Internal Server Error", "search-type Patient 500 Internal Server Error",
		"unknown  404 Not Found", "capabilities  200 OK"}
	if len(m.obs) != len(want) {
		t.Fatalf("observations %q", m.obs)
	}
	for i := range want {
		if m.obs[i] != want[i] {
			t.Errorf("observation %d = %q, want %q", i, m.obs[i], want[i])
		}
	}
}

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("empty config accepted")
	}
	st, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := New(Config{Version: versions[0], Store: st, Searcher: &fakeSearch{store: st}, BaseURL: "localhost:8080"}); err == nil {
		t.Error("relative base URL accepted")
	}
}

func TestCancelledRequestIsNotAServerFault(t *testing.T) {
	e := newEnv(t, versions[0])
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("POST", "/fhir/Patient", strings.NewReader(`{"resourceType":"Patient"}`)).WithContext(ctx)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 503 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
