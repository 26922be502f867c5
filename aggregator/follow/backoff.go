package follow

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff bounds the waits after failures.
type Backoff struct {
	// Min is the first wait, Max the longest; each failure in a row
	// doubles the wait up to Max.
	Min, Max time.Duration
}

// DefaultBackoff: a source that blinks is retried within a second; one
// that stays down is asked about once a minute.
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: time.Minute}

// retry is one source's backoff state; not safe for concurrent use.
type retry struct {
	b        Backoff
	failures int
	rand     func(n int64) int64 // rand.Int64N; tests fix it
}

func newRetry(b Backoff) *retry { return &retry{b: b, rand: rand.Int64N} }

// next is the wait after one more failure: "equal jitter" — half the
// doubled wait plus a random part of the other half, so sources that
// failed together (the network blinked) do not all come back at the same
// instant, yet none comes back much sooner than asked. A server's
// Retry-After is a floor: the server knows when it can take the request.
func (r *retry) next(retryAfter time.Duration) time.Duration {
	d := r.b.Max
	if r.failures < 32 && r.b.Min<<r.failures < r.b.Max && r.b.Min<<r.failures > 0 {
		d = r.b.Min << r.failures
	}
	r.failures++
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + r.rand(half+1))
	}
	return max(d, retryAfter)
}

// reset forgets the failures after a success.
func (r *retry) reset() { r.failures = 0 }

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
