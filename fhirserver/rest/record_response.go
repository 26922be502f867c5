package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// versionHeaders sets ETag and Last-Modified for a stored version.
func versionHeaders(hdr http.Header, rec *storage.Record) {
	hdr.Set("ETag", etag(strconv.FormatInt(rec.VersionID, 10)))
	hdr.Set("Last-Modified", httpDate(rec.LastUpdated))
}

// recordBody returns the bytes to send for a stored version: the stored bytes
// as they are when the view needs no change (the fast path of every read),
// else the parsed tree after _summary/_elements, indented for _pretty.
func (h *Handler) recordBody(v view, rec *storage.Record) ([]byte, error) {
	if !v.transforms() {
		return rec.JSON, nil
	}
	res, err := fhirjson.Parse(rec.JSON)
	if err != nil {
		return nil, fmt.Errorf("stored %s/%s/_history/%d is not JSON: %w", rec.Type, rec.ID, rec.VersionID, err)
	}
	subset(h.ver, h.ver.Resource(rec.Type), res, v.Summary, v.Elements)
	if v.Pretty {
		return fhirjson.MarshalIndent(res), nil
	}
	return fhirjson.Marshal(res), nil
}

// sendRecord answers a read with a stored version.
func (c *call) sendRecord(status int, rec *storage.Record) {
	body, err := c.h.recordBody(c.view, rec)
	if err != nil {
		c.fail(err)
		return
	}
	versionHeaders(c.w.Header(), rec)
	c.writeBody(status, body)
}

// sendWrite answers a write (create, update, patch) per Prefer: return=.
// Location is set for creates (201) and Content-Location otherwise, both
// naming the version written.
func (c *call) sendWrite(status int, rec *storage.Record, info string) {
	hdr := c.w.Header()
	versionHeaders(hdr, rec)
	loc := c.h.versionURL(rec.Type, rec.ID, rec.VersionID)
	if status == http.StatusCreated {
		hdr.Set("Location", loc)
	} else {
		hdr.Set("Content-Location", loc)
	}
	switch c.prefer.Return {
	case returnMinimal:
		c.writeEmpty(status)
	case returnOutcome:
		c.writeValue(status, infoOutcome(info))
	default:
		c.sendRecord(status, rec)
	}
}

// infoOutcome is the OperationOutcome of a successful write.
func infoOutcome(msg string) *fhirjson.Value {
	return outcome.Resource([]outcome.Issue{{Severity: outcome.Information, Code: outcome.CodeInformational, Diagnostics: msg}})
}

// storageError turns the storage's sentinel errors into client answers; other
// errors stay server faults.
func storageError(err error, what string) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return outcome.NotFound("%s is not known", what)
	case errors.Is(err, storage.ErrGone):
		return outcome.New(http.StatusGone, outcome.CodeDeleted, "", "%s has been deleted", what)
	case errors.Is(err, storage.ErrExists):
		return outcome.New(http.StatusConflict, outcome.CodeDuplicate, "", "%s already exists", what)
	case errors.Is(err, storage.ErrVersionConflict):
		return outcome.New(http.StatusPreconditionFailed, outcome.CodeConflict, "", "If-Match does not name the current version of %s", what)
	case errors.Is(err, storage.ErrInvalidKey):
		return outcome.BadRequest(outcome.CodeValue, "", "%s is not a valid type and id", what)
	case errors.Is(err, storage.ErrBadCursor):
		return outcome.BadRequest(outcome.CodeValue, "", "the cursor was not issued by this server")
	case errors.Is(err, storage.ErrDiskFull):
		oe := outcome.New(http.StatusServiceUnavailable, outcome.Code("transient"), "",
			"the server's disk is full: writes are refused until space is freed; reads go on")
		oe.RetryAfter = 30
		return oe
	case errors.Is(err, storage.ErrClosed), errors.Is(err, storage.ErrFailed):
		oe := outcome.New(http.StatusServiceUnavailable, outcome.Code("transient"), "", "the store is not available; retry later")
		oe.RetryAfter = 5
		return oe
	}
	return err
}
