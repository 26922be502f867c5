package auth

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestThrottleUnit(t *testing.T) {
	clock := newFakeClock()
	th := newThrottle(throttlePolicy{maxFailures: 3, window: time.Minute, block: 30 * time.Second, maxKeys: 4})
	now := clock.Now()
	for i := 0; i < 2; i++ {
		th.fail("k", now)
	}
	if th.blocked("k", now) != 0 {
		t.Fatal("blocked before the limit")
	}
	th.fail("k", now)
	if got := th.blocked("k", now); got != 30*time.Second {
		t.Fatalf("blocked for %v", got)
	}
	if th.blocked("other", now) != 0 {
		t.Fatal("other key blocked")
	}
	if th.blocked("k", now.Add(31*time.Second)) != 0 {
		t.Fatal("still blocked after the block")
	}
	// Failures spread over windows do not add up.
	th.fail("slow", now)
	th.fail("slow", now.Add(61*time.Second))
	th.fail("slow", now.Add(122*time.Second))
	if th.blocked("slow", now.Add(122*time.Second)) != 0 {
		t.Fatal("failures in different windows added up")
	}
	// A success forgets the failures.
	th.fail("ok", now)
	th.fail("ok", now)
	th.succeed("ok", now)
	th.fail("ok", now)
	if th.blocked("ok", now) != 0 {
		t.Fatal("success did not reset")
	}
	// The map stays bounded.
	for i := 0; i < 20; i++ {
		th.fail("flood"+strconv.Itoa(i), now)
	}
	if len(th.keys) > 4 {
		t.Fatalf("%d keys kept, max 4", len(th.keys))
	}
}

func TestTokenEndpointThrottles(t *testing.T) {
	clock := newFakeClock()
	e := newTestEndpoint(t, newCredSet(t, "acme"), clock)
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := 0; i < defaultThrottlePolicy().maxFailures; i++ {
		if r := postToken(t, e, cc, e.creds.clientID, "guess-"+strconv.Itoa(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	// Blocked now, even with the right secret: the guesser cannot tell.
	r := postToken(t, e, cc, e.creds.clientID, e.creds.clientSecret)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d", r.status)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// The address is blocked too, for any client id.
	if r := postToken(t, e, cc, e.creds.aggID, e.creds.aggSecret); r.status != http.StatusTooManyRequests {
		t.Fatalf("other client from the same address: %d", r.status)
	}
	clock.Add(61 * time.Second)
	e.token(t, e.creds.clientID, e.creds.clientSecret, "")
}
