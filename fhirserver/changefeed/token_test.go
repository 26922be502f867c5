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

// countingTransport counts the requests to the token endpoint and, while
// down is set, fails them as an unreachable endpoint would.
type countingTransport struct {
	n    atomic.Int32
	down atomic.Bool
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/oauth2/token") {
		c.n.Add(1)
		if c.down.Load() {
			return nil, errors.New("connection refused")
		}
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
		down    bool // the token endpoint is unreachable
		fetches int32
		same    bool // the token of the step before
		err     error
	}{
		{"first token", 0, false, false, 1, false, nil},
		{"kept", 0, false, false, 1, true, nil},
		{"kept with 61 s left", 539 * time.Second, false, false, 1, true, nil},
		{"renewed with 60 s left", 540 * time.Second, false, false, 2, false, nil},
		{"the renewed one is kept", 541 * time.Second, false, false, 2, true, nil},
		{"renewed after the server refused it", 542 * time.Second, true, false, 3, false, nil},
		{"endpoint down while renewing: the valid one is kept", 542*time.Second + 540*time.Second, false, true, 4, true, nil},
		{"endpoint down once it expired", 542*time.Second + 600*time.Second, false, true, 5, false, ErrUnavailable},
		{"endpoint back", 542*time.Second + 601*time.Second, false, false, 6, false, nil},
	}
	var last string
	for _, st := range steps {
		now = t0.Add(st.at)
		rt.down.Store(st.down)
		if st.reject {
			cc.Reject(last)
		}
		tok, err := cc.Token(ctx)
		if !errors.Is(err, st.err) || (err == nil && tok == "") {
			t.Fatalf("%s: %q %v, want %v", st.name, tok, err, st.err)
		}
		if got := rt.n.Load(); got != st.fetches {
			t.Fatalf("%s: %d token requests, want %d", st.name, got, st.fetches)
		}
		if err == nil && (tok == last) != st.same {
			t.Fatalf("%s: same token as before: %v, want %v", st.name, tok == last, st.same)
		}
		if err == nil {
			last = tok
		}
	}
	cc.Reject("some other token") // not the cached one: no effect
	if _, err := cc.Token(ctx); err != nil || rt.n.Load() != 6 {
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
