package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunIsBoundedAndCounts(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Options{Concurrency: 4, Duration: 10 * time.Second, MaxRequests: 200, WantStatus: 200},
		func(ctx context.Context, c, i int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || served.Load() != 200 {
		t.Fatalf("want exactly 200 requests (count bound), got %d answered, %d served", res.Requests, served.Load())
	}
	if res.Errors != 20 || res.FirstError != "status 418" {
		t.Fatalf("want 20 errors for the teapots, got %d (%q)", res.Errors, res.FirstError)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Fatalf("percentiles out of order: %+v", res)
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Options{Concurrency: 2, Duration: 200 * time.Millisecond, MaxRequests: 1 << 40},
		func(ctx context.Context, c, i int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed > 2*time.Second || res.Requests == 0 {
		t.Fatalf("run not bounded by its duration: %v", res)
	}
}

func TestRunRejectsUnboundedOptions(t *testing.T) {
	if _, err := Run(context.Background(), Options{Concurrency: 1, Duration: time.Second}, nil); err == nil {
		t.Fatal("a run without MaxRequests must be refused")
	}
}
