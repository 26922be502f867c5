package rest

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
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
// request can hold a core for longer. Its release ends the context and
// the timer (called directly, not as a CancelFunc: a method value is one
// more allocation on every request).
func (h *Handler) withDeadline(c *call) *lazyDeadline {
	l := h.lazyDeadline(c.ctx)
	c.ctx = l
	return l
}

// deadline returns ctx bounded by the request timeout.
func (h *Handler) deadline(ctx context.Context) (context.Context, context.CancelFunc) {
	l := h.lazyDeadline(ctx)
	return l, l.release
}

func (h *Handler) lazyDeadline(ctx context.Context) *lazyDeadline {
	return &lazyDeadline{parent: ctx, deadline: time.Now().Add(h.timeout)}
}

// lazyDeadline is its parent bounded by a deadline (cause
// errRequestDeadline), whose timer is made only when something waits for
// it. Most requests never do — a read by id, a create whose fsync is
// already done — and a timer made and stopped per request was 4 % of a
// GET's CPU. Done arms it (a context.WithDeadlineCause), as does an Err or
// Value after the deadline passed, so every caller sees what that context
// would show: DeadlineExceeded with the cause, or the parent's error.
type lazyDeadline struct {
	parent   context.Context
	deadline time.Time
	armed    atomic.Pointer[context.Context] // set once, by arm
	mu       sync.Mutex                      // serialises arm and release
	cancel   context.CancelFunc
	released bool
}

var _ context.Context = (*lazyDeadline)(nil)

// arm returns the deadline context, making it on first use.
func (l *lazyDeadline) arm() context.Context {
	if a := l.armed.Load(); a != nil {
		return *a
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.armed.Load(); a != nil {
		return *a
	}
	ctx, cancel := context.WithDeadlineCause(l.parent, l.deadline, errRequestDeadline)
	if l.released {
		cancel()
	}
	l.cancel = cancel
	l.armed.Store(&ctx)
	return ctx
}

// release ends the context (the request is over) and its timer if armed.
func (l *lazyDeadline) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released = true
	if l.cancel != nil {
		l.cancel()
	}
}

// Deadline implements context.Context: the earlier of the parent's and ours.
func (l *lazyDeadline) Deadline() (time.Time, bool) {
	if d, ok := l.parent.Deadline(); ok && d.Before(l.deadline) {
		return d, true
	}
	return l.deadline, true
}

// Done implements context.Context.
func (l *lazyDeadline) Done() <-chan struct{} { return l.arm().Done() }

// Err implements context.Context.
func (l *lazyDeadline) Err() error {
	if a := l.armed.Load(); a != nil {
		return (*a).Err()
	}
	l.mu.Lock()
	released := l.released
	l.mu.Unlock()
	switch {
	case released:
		return l.arm().Err() // cancelled: Canceled, or what came first
	case l.parent.Err() != nil, !time.Now().Before(l.deadline):
		return l.arm().Err()
	}
	return nil
}

// Value implements context.Context. Once the context is done its values
// are the armed context's, so context.Cause finds errRequestDeadline.
func (l *lazyDeadline) Value(key any) any {
	if a := l.armed.Load(); a != nil {
		return (*a).Value(key)
	}
	if l.parent.Err() != nil || !time.Now().Before(l.deadline) {
		return l.arm().Value(key)
	}
	return l.parent.Value(key)
}

// afterCommit is the context for the work that follows a commit (reading
// back matched versions, the reads of a transaction): the commit happened
// and must be reported, so the request's deadline no longer applies there;
// that work gets a deadline of its own instead.
func (h *Handler) afterCommit(c *call) context.CancelFunc {
	ctx, cancel := h.deadline(context.WithoutCancel(c.ctx))
	c.ctx = ctx
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
