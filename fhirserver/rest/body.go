package rest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// readBody reads the whole request body within MaxBodyBytes (413 beyond) and
// checks its Content-Type. A request that came over HTTP first takes its
// share of the body budget (503 with Retry-After when there is no room in
// time) and must then deliver its body within BodyTimeout (408 after); a
// bundle entry's sub-request reads a body already in memory.
func (h *Handler) readBody(c *call) ([]byte, bodyKind, error) {
	kind, oe := bodyContentType(c.r.Header.Get("Content-Type"), h.ver.FHIRVersion)
	if oe != nil {
		return nil, 0, oe
	}
	if c.r.ContentLength > h.maxBody {
		return nil, 0, tooLarge(h.maxBody)
	}
	body := c.r.Body
	if c.wire != nil {
		if c.r.ContentLength >= 0 {
			if err := c.wire.charge.take(c.ctx, c.r.ContentLength); err != nil {
				return nil, 0, budgetFull(c.w, h.budget)
			}
		} else {
			body = io.NopCloser(&chargedReader{ctx: c.ctx, r: body, c: &c.wire.charge})
		}
		// The deadline ends when the body has been read: net/http clears
		// it as it starts watching the idle connection.
		_ = http.NewResponseController(c.w).SetReadDeadline(time.Now().Add(h.bodyTimeout))
	}
	data, err := readAll(http.MaxBytesReader(c.w, body, h.maxBody), c.r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, 0, tooLarge(h.maxBody)
		case errors.Is(err, errBudget):
			return nil, 0, budgetFull(c.w, h.budget)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, 0, outcome.New(http.StatusRequestTimeout, outcome.CodeTimeout, "",
				"the request body did not arrive within %v", h.bodyTimeout)
		}
		return nil, 0, outcome.BadRequest(outcome.CodeStructure, "", "the request body could not be read: %v", err)
	}
	if c.wire != nil {
		c.wire.sw.bodyUnread = false
	}
	return data, kind, nil
}

// readAll reads a body into a buffer of its declared size (when it has
// one), so a large body is not copied through doubling buffers on the way.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(r)
	}
	var b bytes.Buffer
	b.Grow(int(size) + bytes.MinRead) // MinRead more: the read that finds EOF
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}

func tooLarge(limit int64) *outcome.Error {
	return outcome.New(http.StatusRequestEntityTooLarge, outcome.CodeTooLong, "",
		"the request body is larger than this server's limit of %d bytes", limit)
}

// readFHIRJSON reads a request body that must be FHIR JSON; unsupported
// is the 415's text for any other kind.
func (h *Handler) readFHIRJSON(c *call, unsupported string) ([]byte, error) {
	data, kind, err := h.readBody(c)
	if err == nil && kind != bodyFHIRJSON {
		err = outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "", "%s", unsupported)
	}
	return data, err
}

// readResource reads a request body that must hold a resource of type typ
// ("" accepts any type, as for a Bundle posted to the base).
func (h *Handler) readResource(c *call, typ string) (res *fhirjson.Value, err error) {
	// A write is on its way to the store while its body is read and parsed
	// (storage.Store.Expecting); the repository counts it from there.
	err = h.repo.ExpectingWrite(func() error {
		data, err := h.readFHIRJSON(c, "this interaction takes a FHIR resource as application/fhir+json")
		if err != nil {
			return err
		}
		// data is this request's own fresh slice and nothing writes to it
		// again, so the tree may point into it instead of into a copy.
		res, err = h.repo.ParseResource(data, typ, fhirjson.OwnInput())
		return err
	})
	return res, err
}
