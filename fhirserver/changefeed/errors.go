package changefeed

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Errors a follower branches on; every error of Poll that is one of them
// is an *Error wrapping it (errors.Is), with the details.
var (
	// ErrUnauthorized: the token endpoint refused the client's credentials,
	// or the feed refused a freshly obtained token. Retrying will not help
	// until the credentials change.
	ErrUnauthorized = errors.New("changefeed: credentials refused")
	// ErrForbidden: the token is valid but lacks read permission on the
	// whole system (system/*.read or system/*.rs).
	ErrForbidden = errors.New("changefeed: not allowed to read the change feed")
	// ErrCursorRejected: the server does not know the cursor, because its
	// store was wiped and re-created. The follower must start over from the
	// empty cursor and reconcile what it holds.
	ErrCursorRejected = errors.New("changefeed: cursor rejected")
	// ErrUnavailable: the server (or its token endpoint) could not be
	// reached, answered 5xx or 429. Retry later with the same cursor, after
	// RetryAfter when the server said so.
	ErrUnavailable = errors.New("changefeed: server unavailable")
	// ErrProtocol: the answer is not what the feed sends (not a history
	// Bundle, no next cursor, an entry that cannot be read).
	ErrProtocol = errors.New("changefeed: unexpected answer")
)

// Error is a failed Poll or token request.
type Error struct {
	// Kind is one of the sentinel errors above.
	Kind error
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// RetryAfter is the server's Retry-After (0 when absent).
	RetryAfter time.Duration
	// Detail says what happened, for logs.
	Detail string
	// Err is the underlying error, if any (a network error, say).
	Err error
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap makes errors.Is see both the kind and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// RetryAfter is how long the server asked to wait before the next attempt,
// 0 when err carries no such request.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3). Anything else, or a time in the past, is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64(24*time.Hour/time.Second) {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// unavailable is the error of an answer with status code (5xx, 429).
func unavailable(resp *http.Response, now time.Time, detail string) *Error {
	return &Error{Kind: ErrUnavailable, Status: resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), now), Detail: detail}
}
