package changefeed

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport counts the requests to the token endpoint.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		c.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The server issues tokens for 600 s: the client keeps one until a minute
// is left (a fifth of 600 s, capped at a minute), then fetches the next,
// and fetches at once after Reject.
func TestClientCredentialsRenewsBeforeExpiry(t *testing.T) {
	f := startFHIR(t)
	cc := f.credentials(t, true)
	var rt countingTransport
	cc.HTTPClient = &http.Client{Transport: &rt}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	cc.now = func() time.Time { return now }
	ctx := context.Background()
	steps := []struct {
		name    string
		at      time.Duration
		reject  bool
		fetches int32
	}{
		{"first token", 0, false, 1},
		{"kept", 0, false, 1},
		{"kept with 61 s left", 539 * time.Second, false, 1},
		{"renewed with 60 s left", 540 * time.Second, false, 2},
		{"the renewed one is kept", 541 * time.Second, false, 2},
		{"renewed after the server refused it", 542 * time.Second, true, 3},
	}
	var last string
	for _, st := range steps {
		now = t0.Add(st.at)
		if st.reject {
			cc.Reject(last)
		}
		tok, err := cc.Token(ctx)
		if err != nil || tok == "" {
			t.Fatalf("%s: %q %v", st.name, tok, err)
		}
		if got := rt.n.Load(); got != st.fetches {
			t.Fatalf("%s: %d token requests, want %d", st.name, got, st.fetches)
		}
		last = tok
	}
	cc.Reject("some other token") // not the cached one: no effect
	if _, err := cc.Token(ctx); err != nil || rt.n.Load() != 3 {
		t.Fatalf("a foreign Reject caused a fetch: %d %v", rt.n.Load(), err)
	}
}

func TestClientCredentialsHonoursContext(t *testing.T) {
	f := startFHIR(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.credentials(t, true).Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want context.Canceled", err)
	}
}
