package changefeed

import (
	"net/http"
	"time"
)

// StatusError classifies a failed answer of a fhirserver (status is not
// 2xx) the way Poll does, for a follower's other calls to the same server
// (its /metadata, $aggregation-outcome), so one switch on the kinds
// handles them all: 401 ErrUnauthorized, 403 ErrForbidden, 429 and 5xx
// ErrUnavailable (with the Retry-After), anything else ErrProtocol. The
// Detail is the first issue's diagnostics of an OperationOutcome body.
func StatusError(status int, hdr http.Header, body []byte, now time.Time) *Error {
	d := diagnostics(body)
	switch {
	case status == http.StatusUnauthorized:
		return &Error{Kind: ErrUnauthorized, Status: status, Detail: d}
	case status == http.StatusForbidden:
		return &Error{Kind: ErrForbidden, Status: status, Detail: d}
	case status == http.StatusTooManyRequests || status >= 500:
		return unavailable(&http.Response{StatusCode: status, Header: hdr}, now, d)
	}
	return &Error{Kind: ErrProtocol, Status: status, Detail: d}
}
