package follow

import (
	"context"
	"testing"
	"time"
)

func TestRetryNext(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	for _, tt := range []struct {
		name       string
		rand       func(int64) int64
		failures   int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first, least jitter", func(int64) int64 { return 0 }, 0, 0, 50 * time.Millisecond},
		{"first, most jitter", func(n int64) int64 { return n - 1 }, 0, 0, 100 * time.Millisecond},
		{"third doubles twice", func(int64) int64 { return 0 }, 2, 0, 200 * time.Millisecond},
		{"capped at Max", func(n int64) int64 { return n - 1 }, 10, 0, time.Second},
		{"no overflow after many", func(n int64) int64 { return n - 1 }, 200, 0, time.Second},
		{"Retry-After is a floor", func(int64) int64 { return 0 }, 0, 30 * time.Second, 30 * time.Second},
		{"a short Retry-After does not shorten", func(n int64) int64 { return n - 1 }, 3, time.Millisecond, 800 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &retry{b: b, failures: tt.failures, rand: tt.rand}
			if got := r.next(tt.retryAfter); got != tt.want {
				t.Fatalf("next = %s, want %s", got, tt.want)
			}
			if r.failures != tt.failures+1 {
				t.Fatalf("failures %d", r.failures)
			}
		})
	}
}

func TestRetryJitterVaries(t *testing.T) {
	r := newRetry(Backoff{Min: time.Second, Max: time.Minute})
	seen := map[time.Duration]bool{}
	for range 20 {
		r.reset()
		d := r.next(0)
		if d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("first wait %s outside [Min/2, Min]", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Fatal("twenty first waits, all equal: no jitter")
	}
}

func TestSleepStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if sleep(ctx, time.Hour) {
		t.Fatal("sleep went on after its context ended")
	}
	if !sleep(t.Context(), time.Nanosecond) {
		t.Fatal("a live context reported as ended")
	}
}
