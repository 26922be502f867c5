package server

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics(StoreStats{
		SizeBytes:      func() float64 { return 4096 },
		FeedSequence:   func() float64 { return 17 },
		Writable:       func() float64 { return 0 },
		DiskFullEvents: func() float64 { return 2 },
		SyncFailures:   func() float64 { return 0 },
	})
	m.ObserveInteraction("read", "Patient", 200, 3*time.Millisecond)
	m.ObserveInteraction("read", "Patient", 200, time.Millisecond)
	m.ObserveInteraction("create", "Observation", 201, 2*time.Millisecond)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		`fhir_requests_total{code="200",interaction="read",resource_type="Patient"} 2`,
		`fhir_requests_total{code="201",interaction="create",resource_type="Observation"} 1`,
		`fhir_request_duration_seconds_count{interaction="read",resource_type="Patient"} 2`,
		`fhir_store_size_bytes 4096`,
		`fhir_change_feed_sequence 17`,
		`fhir_store_writable 0`,
		`fhir_store_unwritable_total{reason="disk_full"} 2`,
		`fhir_store_unwritable_total{reason="wal_sync_failed"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
