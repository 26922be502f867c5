package changefeed

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"999999999", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, c := range cases {
		if got := parseRetryAfter(c.v, now); got != c.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", c.v, got, c.want)
		}
	}
}

func TestErrorWrapsKindAndCause(t *testing.T) {
	cause := errors.New("connection refused")
	err := fmt.Errorf("follow acme: %w", &Error{Kind: ErrUnavailable, Status: 503, RetryAfter: 2 * time.Second, Detail: "busy", Err: cause})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, cause) || errors.Is(err, ErrUnauthorized) {
		t.Fatalf("errors.Is on %v", err)
	}
	if RetryAfter(err) != 2*time.Second || RetryAfter(cause) != 0 {
		t.Fatalf("RetryAfter: %v %v", RetryAfter(err), RetryAfter(cause))
	}
	if got, want := err.Error(), "follow acme: changefeed: server unavailable (HTTP 503): busy: connection refused"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
