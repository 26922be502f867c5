package rest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// contentTypeJSON is what every FHIR response body is.
const contentTypeJSON = "application/fhir+json; charset=utf-8"

// contentTypeValue is the Content-Type header value, allocated once.
var contentTypeValue = []string{contentTypeJSON}

// call is one request in flight: what was asked, how the answer must look,
// and what happened (for metrics and logs).
type call struct {
	h *Handler
	w http.ResponseWriter
	r *http.Request
	// ctx is the request's context, r.Context() bounded by the request
	// deadline (withDeadline): kept here, not by replacing r, which would
	// copy the request on every call.
	ctx    context.Context
	query  url.Values
	view   view
	prefer preferences

	interaction  string
	resourceType string
	status       int

	// wire is set for a request that came over HTTP, nil for a bundle
	// entry's sub-request.
	wire *wire
}

// wire is what only a request over HTTP has: the writer that knows whether
// its body was read, and its share of the body budget, given back when the
// request has been answered and its parsed trees are garbage.
type wire struct {
	sw     *statusWriter
	charge charge
}

// writeBody sends a complete JSON body with status.
func (c *call) writeBody(status int, body []byte) {
	c.status = status
	h := c.w.Header()
	h["Content-Type"] = contentTypeValue // shared: net/http only reads it
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(body)
	}
}

// writeValue marshals v (indented for _pretty=true) and sends it.
func (c *call) writeValue(status int, v *fhirjson.Value) {
	if c.view.Pretty {
		c.writeBody(status, fhirjson.MarshalIndent(v))
		return
	}
	c.writeBody(status, fhirjson.Marshal(v))
}

// writeEmpty sends a status without a body.
func (c *call) writeEmpty(status int) {
	c.status = status
	c.w.WriteHeader(status)
}

// fail reports err as an OperationOutcome. Errors that are not
// *outcome.Error are server faults: they are logged with their detail and the
// client only learns that something went wrong on our side.
func (c *call) fail(err error) {
	if oe := tooCostly(c.ctx, err); oe != nil {
		c.h.log.Info("request stopped at its deadline", "method", c.r.Method, "path", c.r.URL.Path,
			"interaction", c.interaction, "timeout", c.h.timeout)
		c.writeValue(oe.Status, oe.Resource())
		return
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The client went away (or its deadline passed) mid-request: not a
		// server fault worth an error log; the answer is likely unread.
		c.h.log.V(1).Info("request cancelled", "method", c.r.Method, "path", c.r.URL.Path, "reason", err.Error())
		c.writeValue(http.StatusServiceUnavailable, outcome.New(http.StatusServiceUnavailable, outcome.CodeTimeout, "",
			"the request was cancelled before it completed").Resource())
		return
	}
	oe, ok := outcome.As(err)
	if !ok {
		c.h.log.Error(err, "request failed", "method", c.r.Method, "path", c.r.URL.Path,
			"interaction", c.interaction, "resourceType", c.resourceType)
		oe = outcome.Internal("the server could not complete the request; the error is in its log")
	}
	if oe.RetryAfter > 0 {
		// A known, passing unavailability (the store's disk is full, it
		// is closing): the store logged it once; one line per refused
		// request would drown that line.
		c.w.Header().Set("Retry-After", strconv.Itoa(oe.RetryAfter))
		c.h.log.V(1).Info("request refused", "method", c.r.Method, "path", c.r.URL.Path, "reason", oe.Error())
	} else if oe.Status >= 500 && ok {
		c.h.log.Error(oe, "request failed", "method", c.r.Method, "path", c.r.URL.Path)
	}
	c.writeValue(oe.Status, oe.Resource())
}

// failf is fail for an outcome built in place.
func (c *call) failf(status int, code outcome.Code, format string, args ...any) {
	c.fail(outcome.New(status, code, "", format, args...))
}

// errorStatus is the status an error maps to, for batch entries.
func errorOutcome(err error) *outcome.Error {
	if oe, ok := outcome.As(err); ok {
		return oe
	}
	return outcome.Internal("the server could not complete the entry; the error is in its log")
}

// statusWriter remembers the status for metrics when a handler writes
// directly (the recover path, http.Error), and closes the connection after
// an answer given without reading the body the request declared.
type statusWriter struct {
	http.ResponseWriter
	status int
	// bodyUnread is true until readBody has read the whole body. net/http
	// would otherwise read up to 256 KB of a body left unread, to reuse the
	// connection, before sending the answer and again after the handler,
	// without a deadline: a client withholding the body would get no
	// answer (a 403, a 404, a 503 for a full budget) and hold the
	// connection. So such an answer closes the connection, and the read
	// deadline passes at once.
	bodyUnread bool
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
		if s.bodyUnread {
			s.Header().Set("Connection", "close")
			_ = http.NewResponseController(s.ResponseWriter).SetReadDeadline(time.Now())
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for long polls).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

var errPanic = errors.New("panic while handling a request")
