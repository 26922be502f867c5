package rest

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Page sizes of history and the change feed.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

// history: GET /fhir/_history, /fhir/Type/_history, /fhir/Type/id/_history,
// newest first, paged by an opaque cursor (_cursor) that stays valid while
// writes continue.
func (h *Handler) history(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionHistory, rt.Type); err != nil {
		return err
	}
	q := storage.HistoryQuery{Type: rt.Type, ID: rt.ID, Cursor: first(c.query, "_cursor")}
	var err error
	if q.Count, err = pageSize(c.query); err != nil {
		return err
	}
	if s := first(c.query, "_since"); s != "" {
		if q.Since, _, err = parseDatePeriod("_since", s); err != nil {
			return err
		}
	}
	if s := first(c.query, "_at"); s != "" {
		if q.At.Start, q.At.End, err = parseDatePeriod("_at", s); err != nil {
			return err
		}
	}
	page, err := h.reads.History(c.ctx, q)
	if err != nil {
		return err
	}
	b := &bundle{Type: "history", Total: -1}
	b.Links = append(b.Links, link{"self", h.selfURL(c, nil)})
	if page.Next != "" {
		b.Links = append(b.Links, link{"next", h.selfURL(c, url.Values{"_cursor": {page.Next}})})
	}
	for _, rec := range page.Records {
		var raw []byte
		if !rec.Deleted {
			if raw, err = h.recordBody(view{Summary: c.view.Summary, Elements: c.view.Elements}, rec); err != nil {
				return err
			}
		}
		b.Entries = append(b.Entries, h.historyEntry(rec, raw))
	}
	return c.sendBundle(b)
}

// sendBundle writes a Bundle response.
func (c *call) sendBundle(b *bundle) error {
	buf := bundleBufs.Get().(*[]byte)
	body, err := b.encodeTo((*buf)[:0], c.view.Pretty)
	if err == nil {
		c.writeBody(http.StatusOK, body)
		if cap(body) <= maxPooledBundle {
			*buf = body // the ResponseWriter keeps nothing of it
		}
	}
	bundleBufs.Put(buf)
	return err
}

// bundleBufs are the buffers search and history pages are encoded into: a
// page of 20 is tens of kilobytes, and a fresh buffer per response (zeroed
// by the allocator) was a fifth of the bytes a search allocated.
var bundleBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBundle bounds the buffers kept: one huge page must not stay
// resident for the small ones after it.
const maxPooledBundle = 256 << 10

// pageSize reads _count within 1..maxPageSize (0 asks for no entries where
// the spec allows it, read here as the smallest page).
func pageSize(q url.Values) (int, error) {
	s := first(q, "_count")
	if s == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, outcome.BadRequest(outcome.CodeValue, "", "_count must be a non-negative integer, not %q", s)
	}
	if n == 0 {
		n = 1
	}
	if n > maxPageSize {
		n = maxPageSize
	}
	return n, nil
}

// selfURL is the absolute URL of this request with some parameters
// replaced (nil: as it came), for self and next links.
func (h *Handler) selfURL(c *call, set url.Values) string {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	for k, v := range set {
		q[k] = v
	}
	path := c.r.URL.Path
	u := h.base + trimMount(path)
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// trimMount returns the part of a request path below /fhir.
func trimMount(path string) string {
	if len(path) >= 5 && path[:5] == "/fhir" {
		return path[5:]
	}
	return path
}
