package auth

import (
	"sync"
	"time"
)

// throttlePolicy says how many failed client authentications a key (a
// client id or a remote address) may have in a window before it is blocked.
type throttlePolicy struct {
	maxFailures int
	window      time.Duration
	block       time.Duration
	maxKeys     int
}

// defaultThrottlePolicy allows a client that mistyped its secret a few
// retries, while capping a guesser at ten tries a minute: about 5·10⁶ tries
// a year against a 256-bit generated secret.
func defaultThrottlePolicy() throttlePolicy {
	return throttlePolicy{maxFailures: 10, window: time.Minute, block: time.Minute, maxKeys: 10000}
}

// throttle counts failures per key in fixed windows.
type throttle struct {
	policy throttlePolicy
	mu     sync.Mutex
	keys   map[string]*failures
}

type failures struct {
	count        int
	windowEnd    time.Time
	blockedUntil time.Time
}

func newThrottle(p throttlePolicy) *throttle {
	return &throttle{policy: p, keys: make(map[string]*failures)}
}

// blocked returns how long key must still wait, or 0.
func (t *throttle) blocked(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.keys[key]
	if f == nil || !now.Before(f.blockedUntil) {
		return 0
	}
	return f.blockedUntil.Sub(now)
}

// fail records a failure for key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.keys[key]
	if f == nil {
		if len(t.keys) >= t.policy.maxKeys {
			t.prune(now)
		}
		f = &failures{}
		t.keys[key] = f
	}
	if !now.Before(f.windowEnd) {
		f.count, f.windowEnd = 0, now.Add(t.policy.window)
	}
	f.count++
	if f.count >= t.policy.maxFailures {
		f.blockedUntil = now.Add(t.policy.block)
		f.count, f.windowEnd = 0, f.blockedUntil.Add(t.policy.window)
	}
}

// succeed forgets key's failures: a client that got in is not a guesser.
func (t *throttle) succeed(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.keys[key]; f != nil && !now.Before(f.blockedUntil) {
		delete(t.keys, key)
	}
}

// prune drops keys with nothing left to remember; if all are live (a flood
// of addresses), it drops arbitrary ones rather than grow without bound.
func (t *throttle) prune(now time.Time) {
	for k, f := range t.keys {
		if !now.Before(f.windowEnd) && !now.Before(f.blockedUntil) {
			delete(t.keys, k)
		}
	}
	for k := range t.keys {
		if len(t.keys) < t.policy.maxKeys*3/4 {
			break
		}
		delete(t.keys, k)
	}
}
