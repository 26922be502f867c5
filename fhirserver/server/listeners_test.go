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
	expectCodes(t, s.metricsMux(), map[string]int{
		"/metrics":      http.StatusOK,
		"/healthz":      http.StatusOK,
		"/readyz":       http.StatusOK,
		"/fhir/Patient": http.StatusNotFound,
		"/oauth2/token": http.StatusNotFound,
	})
}

// expectCodes checks the status h answers to a GET of each path.
func expectCodes(t *testing.T, h http.Handler, want map[string]int) {
	t.Helper()
	for path, code := range want {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != code {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, code)
		}
	}
}
