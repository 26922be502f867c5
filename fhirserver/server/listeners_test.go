package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMetricsMuxServesMetricsAndProbes: the metrics listener answers
// /metrics and both probes, and nothing of the API.
func TestMetricsMuxServesMetricsAndProbes(t *testing.T) {
	s := &Server{metrics: NewMetrics(StoreStats{})}
	s.ready.Store(true)
	mux := s.metricsMux()
	for path, want := range map[string]int{
		"/metrics":      http.StatusOK,
		"/healthz":      http.StatusOK,
		"/readyz":       http.StatusOK,
		"/fhir/Patient": http.StatusNotFound,
		"/oauth2/token": http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

// TestMetricsMuxPProf: the runtime profiles are served only with --pprof.
func TestMetricsMuxPProf(t *testing.T) {
	for _, on := range []bool{false, true} {
		s := &Server{metrics: NewMetrics(StoreStats{}), cfg: Config{PProf: on}}
		rec := httptest.NewRecorder()
		s.metricsMux().ServeHTTP(rec, httptest.NewRequest("GET", "/debug/pprof/", nil))
		if want := map[bool]int{false: http.StatusNotFound, true: http.StatusOK}[on]; rec.Code != want {
			t.Errorf("--pprof=%v: GET /debug/pprof/: %d, want %d", on, rec.Code, want)
		}
	}
}
