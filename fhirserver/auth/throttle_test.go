package auth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// try runs one whole attempt from addr and returns the wait begin imposed
// (the attempt is then not run).
func try(th *throttle, addr netip.Addr, o attemptResult, now time.Time) time.Duration {
	tk, wait := th.begin(addr, now)
	if wait == 0 {
		th.settle(tk, o, now)
	}
	return wait
}

func TestThrottleCountsPerAddress(t *testing.T) {
	p := throttlePolicy{maxFailures: 3, window: time.Minute, block: 30 * time.Second, remember: time.Hour, maxAddrs: 8, maxNets: 4}
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	t0 := newFakeClock().Now()
	tests := []struct {
		name  string
		steps func(th *throttle) time.Duration // returns the wait of the last attempt of a
		want  time.Duration
	}{
		{"under the limit", func(th *throttle) time.Duration {
			try(th, a, outcomeFailed, t0)
			try(th, a, outcomeFailed, t0)
			return try(th, a, outcomeFailed, t0)
		}, 0},
		{"blocked at the limit, without checking", func(th *throttle) time.Duration {
			for range 3 {
				try(th, a, outcomeFailed, t0)
			}
			return try(th, a, outcomeSucceeded, t0.Add(time.Second))
		}, 29 * time.Second},
		{"another address is not blocked", func(th *throttle) time.Duration {
			for range 3 {
				try(th, b, outcomeFailed, t0)
			}
			return try(th, a, outcomeSucceeded, t0)
		}, 0},
		{"the block ends", func(th *throttle) time.Duration {
			for range 3 {
				try(th, a, outcomeFailed, t0)
			}
			return try(th, a, outcomeSucceeded, t0.Add(31*time.Second))
		}, 0},
		{"failures in different windows do not add up", func(th *throttle) time.Duration {
			try(th, a, outcomeFailed, t0)
			try(th, a, outcomeFailed, t0.Add(61*time.Second))
			try(th, a, outcomeFailed, t0.Add(122*time.Second))
			return try(th, a, outcomeSucceeded, t0.Add(122*time.Second))
		}, 0},
		{"a success forgets the failures", func(th *throttle) time.Duration {
			try(th, a, outcomeFailed, t0)
			try(th, a, outcomeFailed, t0)
			try(th, a, outcomeSucceeded, t0)
			try(th, a, outcomeFailed, t0)
			try(th, a, outcomeFailed, t0)
			return try(th, a, outcomeSucceeded, t0)
		}, 0},
		{"requests that are no authentication count nothing", func(th *throttle) time.Duration {
			for range 10 {
				try(th, a, outcomeNone, t0)
			}
			return try(th, a, outcomeSucceeded, t0)
		}, 0},
		{"parallel guesses cannot exceed the limit", func(th *throttle) time.Duration {
			for range 3 {
				if _, wait := th.begin(a, t0); wait != 0 {
					t.Fatalf("attempt refused before the limit: %v", wait)
				}
			}
			_, wait := th.begin(a, t0)
			return wait
		}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.steps(newThrottle(p)); got != tt.want {
				t.Fatalf("wait %v, want %v", got, tt.want)
			}
		})
	}
}

// addrN is the n-th address of a flood: IPv4 for even n, IPv6 for odd, each
// in a network of its own.
func addrN(n int) netip.Addr {
	if n%2 == 0 {
		return netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
	}
	var b [16]byte
	b[0], b[1], b[4], b[5], b[6], b[7] = 0x20, 0x01, byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return netip.AddrFrom16(b)
}

// Issue 15 item 1: a flood of fresh addresses neither grows the throttle
// without bound nor evicts a blocked guesser (which would reset its
// block), and a client that authenticated before keeps getting in.
func TestThrottleFloodOfFreshAddresses(t *testing.T) {
	p := defaultThrottlePolicy()
	th := newThrottle(p)
	clock := newFakeClock()
	guesser := netip.MustParseAddr("198.51.100.66")
	client := netip.MustParseAddr("203.0.113.10")
	if try(th, client, outcomeSucceeded, clock.Now()) != 0 {
		t.Fatal("client refused before anything happened")
	}
	for range p.maxFailures {
		try(th, guesser, outcomeFailed, clock.Now())
	}
	const flood = 120000
	for n := range flood {
		if n%10000 == 0 {
			// The flood lasts a little while: the clock moves, as it would,
			// but stays inside the guesser's block.
			clock.Add(time.Second)
		}
		try(th, addrN(n), outcomeFailed, clock.Now())
		if len(th.addrs.m) > p.maxAddrs || len(th.nets.m) > p.maxNets {
			t.Fatalf("after %d fresh addresses: %d addresses, %d networks kept (max %d, %d)", n+1, len(th.addrs.m), len(th.nets.m), p.maxAddrs, p.maxNets)
		}
	}
	if th.addrs.m[guesser] == nil {
		t.Fatal("the guesser's entry was evicted by the flood")
	}
	if wait := try(th, guesser, outcomeSucceeded, clock.Now()); wait == 0 {
		t.Fatal("the guesser's block was reset by the flood")
	}
	if wait := try(th, client, outcomeSucceeded, clock.Now()); wait != 0 {
		t.Fatalf("a client known from before the flood refused for %v", wait)
	}
	// The documented price: a never-seen address shares the overflow entry,
	// which the flood has blocked, until that block ends.
	fresh := netip.MustParseAddr("192.0.2.200")
	if wait := try(th, fresh, outcomeSucceeded, clock.Now()); wait == 0 || wait > p.block {
		t.Fatalf("fresh address during the flood: wait %v, want the overflow's block (at most %v)", wait, p.block)
	}
	// Once the flood's entries lapse, space is reclaimed and fresh
	// addresses have their own entries again.
	clock.Add(p.block + p.window + pruneEvery)
	if wait := try(th, fresh, outcomeSucceeded, clock.Now()); wait != 0 {
		t.Fatalf("fresh address after the flood: wait %v", wait)
	}
	if th.addrs.m[fresh] == nil {
		t.Fatal("fresh address after the flood has no entry of its own")
	}
}

// A network entry judges the addresses without their own: a guesser moved
// there while the address table was full stays blocked when room appears.
func TestThrottleNetworkEntryKeepsItsBlock(t *testing.T) {
	p := throttlePolicy{maxFailures: 3, window: time.Minute, block: 5 * time.Minute, remember: time.Hour, maxAddrs: 2, maxNets: 2}
	th := newThrottle(p)
	now := newFakeClock().Now()
	fill := []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")}
	for _, a := range fill {
		try(th, a, outcomeFailed, now)
	}
	guesser := netip.MustParseAddr("198.51.100.7")
	for range p.maxFailures {
		try(th, guesser, outcomeFailed, now)
	}
	if th.nets.m[networkOf(guesser)] == nil {
		t.Fatal("the guesser was not counted in its network")
	}
	if wait := try(th, netip.MustParseAddr("198.51.100.8"), outcomeSucceeded, now); wait == 0 {
		t.Fatal("a neighbour without an entry of its own was not judged by the blocked network")
	}
	// Room appears in the address table; the guesser is still blocked.
	later := now.Add(p.window + pruneEvery)
	th.addrs.prune(later.UnixNano())
	if len(th.addrs.m) != 0 {
		t.Fatalf("%d address entries left after they lapsed", len(th.addrs.m))
	}
	if wait := try(th, guesser, outcomeFailed, later); wait == 0 {
		t.Fatal("the guesser escaped its network's block")
	}
}

func TestTokenEndpointThrottles(t *testing.T) {
	clock := newFakeClock()
	e := newTestEndpoint(t, newCredSet(t, "acme"), clock)
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := range defaultThrottlePolicy().maxFailures {
		if r := postToken(t, e, cc, e.creds.clientID, "guess-"+strconv.Itoa(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	// The address is blocked now, even with the right secret: the guesser
	// cannot tell, and its guesses are not checked.
	r := postToken(t, e, cc, e.creds.clientID, e.creds.clientSecret)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d", r.status)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// For any client id from that address.
	if r := postToken(t, e, cc, e.creds.aggID, e.creds.aggSecret); r.status != http.StatusTooManyRequests {
		t.Fatalf("other client from the same address: %d", r.status)
	}
	clock.Add(61 * time.Second)
	e.token(t, e.creds.clientID, e.creds.clientSecret, "")
}

// postTokenFrom sends a token request as if from remote (ip:port), with an
// X-Forwarded-For header when xff is set, straight to the handler.
func postTokenFrom(t testing.TB, e *testEndpoint, remote, xff string, form url.Values, basicID, basicSecret string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, e.srv.TokenURL(), strings.NewReader(form.Encode()))
	req.RemoteAddr = remote
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	w := httptest.NewRecorder()
	e.srv.TokenHandler().ServeHTTP(w, req)
	return w
}

// Issue 15 item 1: client ids are public, so failures for an id from other
// addresses must never refuse the owner's correct secret.
func TestNoClientLockout(t *testing.T) {
	e := newTestEndpoint(t, newCredSet(t, "acme"), newFakeClock())
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := range 3 * defaultThrottlePolicy().maxFailures {
		from := "198.51.100." + strconv.Itoa(i%5) + ":4000"
		_ = postTokenFrom(t, e, from, "", cc, e.creds.clientID, "guess-"+strconv.Itoa(i))
		_ = postTokenFrom(t, e, from, "", cc, e.creds.aggID, "guess-"+strconv.Itoa(i))
	}
	for _, c := range []struct{ id, secret string }{{e.creds.clientID, e.creds.clientSecret}, {e.creds.aggID, e.creds.aggSecret}} {
		if w := postTokenFrom(t, e, "203.0.113.7:5000", "", cc, c.id, c.secret); w.Code != http.StatusOK {
			t.Errorf("%s with its correct secret from another address after others' failures: %d %s", c.id, w.Code, w.Body)
		}
	}
}
