package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// Defaults for the body budget (Config.MaxInflightBodyBytes, BodyBudgetWait).
const (
	// DefaultMaxInflightBodyBytes is one body of the default largest size.
	// A transaction holds about 27 bytes of heap per body byte at its peak
	// (its Bundle tree, each entry's tree again, index entries, the write
	// batch; measured with a 10.5 MB Bundle of 9,134 Patients), and the
	// garbage collector lets the heap reach twice what is live: 16 MiB of
	// bodies in flight keep the process under 1 GB.
	DefaultMaxInflightBodyBytes = 16 << 20
	DefaultBodyBudgetWait       = 5 * time.Second
	// chunkedCharge is how much of the budget a body without a
	// Content-Length takes at a time as it arrives.
	chunkedCharge = 256 << 10
)

// errBudget is a body that found no room in the budget within the wait.
var errBudget = errors.New("no room for the body in the server's budget")

// bodyBudget bounds the bytes of request bodies that are read, parsed and
// processed at once, process-wide: the memory a request costs is a multiple
// of its body, so many large bodies at once would grow the heap without
// bound. A request takes its share before reading its body (by
// Content-Length, or piece by piece for a chunked body) and gives it back
// when it has been answered, when its trees are garbage. The semaphore is
// FIFO, so a large body is not starved by a stream of small ones.
type bodyBudget struct {
	sem  *semaphore.Weighted
	size int64
	wait time.Duration
	used atomic.Int64 // what the shares hold now, for tests and metrics
}

func newBodyBudget(size int64, wait time.Duration) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(size), size: size, wait: wait}
}

// charge is one request's share of the budget.
type charge struct {
	b    *bodyBudget
	held int64
}

// take adds n bytes to the share, waiting up to the budget's wait for room.
// A share never grows past the whole budget: a body larger than the budget
// may still be served, alone.
func (c *charge) take(ctx context.Context, n int64) error {
	n = min(n, c.b.size-c.held)
	if n <= 0 {
		return nil
	}
	// Room now, and no one waiting before us (TryAcquire keeps the FIFO
	// order): no timer. Making one per body was 1.5 % of a create's CPU.
	if !c.b.sem.TryAcquire(n) {
		ctx, cancel := context.WithTimeout(ctx, c.b.wait)
		defer cancel()
		if err := c.b.sem.Acquire(ctx, n); err != nil {
			return errBudget
		}
	}
	c.b.used.Add(n)
	c.held += n
	return nil
}

// release gives the whole share back.
func (c *charge) release() {
	if c.held > 0 {
		c.b.used.Add(-c.held)
		c.b.sem.Release(c.held)
		c.held = 0
	}
}

// retryAfter is the Retry-After of a 503 for a full budget, in seconds: by
// then at least one wait's worth of requests has been answered.
func (b *bodyBudget) retryAfter() string {
	return strconv.Itoa(max(1, int((b.wait+time.Second-1)/time.Second)))
}

// budgetFull is the answer to a body that found no room.
func budgetFull(w http.ResponseWriter, b *bodyBudget) *outcome.Error {
	w.Header().Set("Retry-After", b.retryAfter())
	return outcome.New(http.StatusServiceUnavailable, outcome.CodeThrottled, "",
		"the server is busy reading other request bodies; retry after %s seconds", b.retryAfter())
}

// chargedReader takes budget for a body of unknown length as it arrives,
// for the room the reader's buffer offers: that buffer is the memory.
type chargedReader struct {
	ctx  context.Context
	r    io.Reader
	c    *charge
	read int64
}

func (cr *chargedReader) Read(p []byte) (int, error) {
	if need := cr.read + int64(len(p)) - cr.c.held; need > 0 {
		if err := cr.c.take(cr.ctx, max(need, chunkedCharge)); err != nil {
			return 0, err
		}
	}
	n, err := cr.r.Read(p)
	cr.read += int64(n)
	return n, err
}
