package rest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// maxWait bounds a long poll, so proxies and clients with default timeouts
// see an answer (an empty page with the same cursor) before they give up.
const maxWait = 60 * time.Second

// changes: GET /fhir/$changes?_cursor=&_count=&_wait= — the change feed as
// a history Bundle in commit order. Every committed create, update and
// delete appears once, in order, after the cursor it was asked from; the
// next link carries the cursor to ask with next time (also when the page
// is empty). With _wait the request waits up to that many seconds for a
// first change instead of answering an empty page at once.
func (h *Handler) changes(c *call) error {
	ctx := c.ctx
	if err := h.allow(ctx, auth.InteractionChangeFeed, ""); err != nil {
		return err
	}
	cursor := first(c.query, "_cursor")
	count, err := pageSize(c.query)
	if err != nil {
		return err
	}
	var wait time.Duration
	if s := first(c.query, "_wait"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return outcome.BadRequest(outcome.CodeValue, "", "_wait must be a number of seconds, not %q", s)
		}
		wait = min(time.Duration(n)*time.Second, maxWait)
	}
	// The request deadline bounds the reads before and after the wait, not
	// the wait itself: a long poll may take up to maxWait by design.
	release := h.withDeadline(c).release
	defer func() { release() }()
	page, err := h.store.Changes(c.ctx, cursor, count)
	if err != nil {
		return repository.StorageError(err, "the change feed")
	}
	if len(page.Changes) == 0 && wait > 0 {
		release()
		c.ctx = ctx
		wctx, cancel := context.WithTimeout(ctx, wait)
		stop := context.AfterFunc(h.closing, cancel) // shutdown ends the wait
		err := h.store.WaitForChanges(wctx, cursor)
		stop()
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil // the client went away
		case err != nil && h.closing.Err() != nil:
			// Shutting down: answer the empty page now, so the drain does
			// not wait out the poll; the client asks again elsewhere.
		case err == nil:
			release = h.withDeadline(c).release
			if page, err = h.store.Changes(c.ctx, cursor, count); err != nil {
				return repository.StorageError(err, "the change feed")
			}
		case errors.Is(err, context.DeadlineExceeded):
			// Nothing new within the wait: answer the empty page.
		default:
			return repository.StorageError(err, "the change feed")
		}
	}
	b := &bundle{Type: "history", Total: -1}
	b.Links = append(b.Links, link{"self", h.selfURL(c, nil)})
	b.Links = append(b.Links, link{"next", h.selfURL(c, url.Values{"_cursor": {page.Next}})})
	for _, ch := range page.Changes {
		// Through the Reader, so a read policy holds here too: a version it
		// hides is left out of the page (the cursor still moves past it).
		rec, err := h.reads.VRead(c.ctx, ch.Type, ch.ID, ch.VersionID)
		if oe, ok := outcome.As(err); ok && oe.Status == http.StatusNotFound && h.policed {
			continue
		}
		if err != nil {
			return err
		}
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
