package rest

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// recorder is the ResponseWriter of a sub-request: a batch entry or the
// read of a transaction runs through the same code as an HTTP request, and
// its answer becomes a Bundle entry.
type recorder struct {
	hdr    http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{hdr: http.Header{}} }

func (r *recorder) Header() http.Header { return r.hdr }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// subRequest runs one interaction for a bundle entry. rel is the entry's
// request.url relative to the base ("Patient/1", "Patient?name=x").
func (h *Handler) subRequest(parent *call, method, rel string, hdr http.Header, body []byte) *recorder {
	req, err := http.NewRequestWithContext(parent.ctx, method, "/fhir/"+rel, bytes.NewReader(body))
	rec := newRecorder()
	if err != nil {
		c := &call{h: h, w: rec, r: parent.r, ctx: parent.ctx}
		c.fail(outcome.BadRequest(outcome.CodeInvalid, "", "request.url %q is not a URL: %v", rel, err))
		return rec
	}
	req.Header = hdr
	req.ContentLength = int64(len(body))
	h.serve(&call{h: h, w: rec, r: req, ctx: req.Context(), interaction: "unknown"})
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}

// entryResponse turns a recorded answer into a response entry: status line,
// location, etag, lastModified, and the body as the resource (success) or as
// response.outcome (failure, or an OperationOutcome asked for by Prefer).
func (h *Handler) entryResponse(rec *recorder) bundleEntry {
	resp := object("status", statusLine(rec.status))
	loc := rec.hdr.Get("Location")
	if loc == "" {
		loc = rec.hdr.Get("Content-Location")
	}
	if loc != "" {
		resp.Set("location", fhirjson.NewString(loc))
	}
	if et := rec.hdr.Get("ETag"); et != "" {
		resp.Set("etag", fhirjson.NewString(et))
	}
	if lm := rec.hdr.Get("Last-Modified"); lm != "" {
		if t, err := http.ParseTime(lm); err == nil {
			resp.Set("lastModified", fhirjson.NewString(t.UTC().Format(time.RFC3339)))
		}
	}
	e := bundleEntry{Response: resp}
	if rec.body.Len() == 0 {
		return e
	}
	v, err := fhirjson.Parse(rec.body.Bytes())
	if err != nil {
		return e
	}
	if rec.status >= 400 || v.Str("resourceType") == "OperationOutcome" {
		resp.Set("outcome", v)
		return e
	}
	e.Resource = v
	if id := v.Str("id"); id != "" && v.Str("resourceType") != "Bundle" {
		e.FullURL = h.resourceURL(v.Str("resourceType"), id)
	}
	return e
}

// statusLine is a response.status: the code and its reason phrase.
func statusLine(code int) string {
	return strconv.Itoa(code) + " " + http.StatusText(code)
}
