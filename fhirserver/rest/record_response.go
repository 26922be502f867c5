package rest

import (
	"fmt"
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// versionHeaders sets ETag and Last-Modified for a stored version: both
// values are cut from one string and stand in one slice (two allocations,
// where Set made five on every read).
func versionHeaders(hdr http.Header, rec *storage.Record) {
	var buf [64]byte
	b := appendETag(buf[:0], rec.VersionID)
	tagEnd := len(b)
	s := string(appendHTTPDate(b, rec.LastUpdated))
	vals := []string{s[:tagEnd], s[tagEnd:]}
	hdr["Etag"] = vals[0:1:1] // the canonical form of ETag
	hdr["Last-Modified"] = vals[1:2:2]
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
func (c *call) sendRecord(status int, rec *storage.Record) error {
	body, err := c.h.recordBody(c.view, rec)
	if err != nil {
		return err
	}
	versionHeaders(c.w.Header(), rec)
	c.writeBody(status, body)
	return nil
}

// sendWrite answers a write (create, update, patch) per Prefer: return=.
// Location is set for creates (201) and Content-Location otherwise, both
// naming the version written.
func (c *call) sendWrite(status int, rec *storage.Record, info string) error {
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
		return c.sendRecord(status, rec)
	}
	return nil
}

// infoOutcome is the OperationOutcome of a successful write.
func infoOutcome(msg string) *fhirjson.Value {
	return outcome.Resource([]outcome.Issue{{Severity: outcome.Information, Code: outcome.CodeInformational, Diagnostics: msg}})
}
