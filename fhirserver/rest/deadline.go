package rest

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// DefaultRequestTimeout bounds the work of one request when Config sets no
// RequestTimeout (--request-timeout).
const DefaultRequestTimeout = 30 * time.Second

// errRequestDeadline is the cause of a request context whose deadline
// passed, which tells it apart from a client that went away.
var errRequestDeadline = errors.New("the request deadline passed")

// withDeadline puts the request deadline on c's context: every store scan,
// history walk and include loop below checks it and stops, so no single
// request can hold a core for longer. The returned function releases the
// timer.
func (h *Handler) withDeadline(c *call) context.CancelFunc {
	ctx, cancel := h.deadline(c.r.Context())
	c.r = c.r.WithContext(ctx)
	return cancel
}

// deadline returns ctx bounded by the request timeout.
func (h *Handler) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, h.timeout, errRequestDeadline)
}

// afterCommit is the context for the work that follows a commit (reading
// back matched versions, the reads of a transaction): the commit happened
// and must be reported, so the request's deadline no longer applies there;
// that work gets a deadline of its own instead.
func (h *Handler) afterCommit(c *call) context.CancelFunc {
	ctx, cancel := h.deadline(context.WithoutCancel(c.r.Context()))
	c.r = c.r.WithContext(ctx)
	return cancel
}

// tooCostly is the answer when err ended the request because its deadline
// passed (nil otherwise). The status is 503, as Blaze answers its timeouts:
// the request is well-formed and may succeed on a less busy server, and the
// deadline is wall-clock time shared with every other request; the issue
// code too-costly tells the client that asking for less (a smaller _count,
// a narrower query) is the way to succeed, not retrying as is.
func tooCostly(ctx context.Context, err error) *outcome.Error {
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return nil
	}
	if !errors.Is(context.Cause(ctx), errRequestDeadline) {
		return nil
	}
	return outcome.New(http.StatusServiceUnavailable, outcome.CodeTooCostly, "",
		"the request was stopped at the server's deadline for one request; ask for less (a smaller _count, a narrower search or period)")
}
