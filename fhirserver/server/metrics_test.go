package server

import (
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
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

// TestMetricsSeriesAddedConcurrently: series first seen by many requests
// at once (each added to the remembered set by copying it) lose neither a
// series nor an observation.
func TestMetricsSeriesAddedConcurrently(t *testing.T) {
	m := NewMetrics(StoreStats{})
	statuses := []int{200, 201, 404, 412, 500}
	types := []string{"Patient", "Observation", ""}
	const goroutines, rounds = 8, 40
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				for j, st := range statuses {
					m.ObserveInteraction("read", types[(g+i+j)%len(types)], st, time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(*m.series.Load()); n != len(statuses)*len(types) {
		t.Errorf("%d series remembered, want %d", n, len(statuses)*len(types))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	var total, count int
	for line := range strings.Lines(string(body)) {
		sum := &total
		switch {
		case strings.HasPrefix(line, "fhir_requests_total{"):
		case strings.HasPrefix(line, "fhir_request_duration_seconds_count{"):
			sum = &count
		default:
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(line[strings.LastIndexByte(line, ' ')+1:]))
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		*sum += v
	}
	if want := goroutines * rounds * len(statuses); total != want || count != want {
		t.Errorf("fhir_requests_total sums to %d and the histograms count %d, want %d", total, count, want)
	}
}

// BenchmarkObserveInteraction is the metrics' share of every request: one
// counter and one histogram observation of an existing series.
func BenchmarkObserveInteraction(b *testing.B) {
	m := NewMetrics(StoreStats{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveInteraction("read", "Patient", 200, time.Millisecond)
		}
	})
}
