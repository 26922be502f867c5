package rest

import (
	"net/http"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// read: GET /fhir/Type/id. A deleted resource answers 410 with the ETag of
// its tombstone; If-None-Match and If-Modified-Since can answer 304.
func (h *Handler) read(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionRead, rt.Type); err != nil {
		return err
	}
	rec, err := h.reads.Read(c.ctx, rt.Type, rt.ID)
	if err != nil {
		if rt.Type == "OperationDefinition" && rt.ID == changesDefinitionID {
			// The built-in definition, unless a client stored its own.
			c.writeBody(http.StatusOK, h.changesDef)
			return nil
		}
		if rt.Type == "OperationDefinition" && rt.ID == aggOutcomeDefinitionID {
			c.writeBody(http.StatusOK, h.aggDef)
			return nil
		}
		if rt.Type == "OperationDefinition" {
			if def := h.typeOpDefinition(rt.ID); def != nil {
				c.writeBody(http.StatusOK, def)
				return nil
			}
		}
		return err
	}
	if rec.Deleted {
		versionHeaders(c.w.Header(), rec)
		return repository.Gone(rt.Type, rt.ID)
	}
	if notModified(c.r, rec) {
		versionHeaders(c.w.Header(), rec)
		c.writeEmpty(http.StatusNotModified)
		return nil
	}
	return c.sendRecord(http.StatusOK, rec)
}

// vread: GET /fhir/Type/id/_history/vid. A tombstone version answers 410.
func (h *Handler) vread(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionVRead, rt.Type); err != nil {
		return err
	}
	vid, err := strconv.ParseInt(rt.VersionID, 10, 64)
	if err != nil || vid <= 0 {
		return outcome.NotFound("%s/%s has no version %q", rt.Type, rt.ID, rt.VersionID)
	}
	rec, err := h.reads.VRead(c.ctx, rt.Type, rt.ID, vid)
	if err != nil {
		return err
	}
	if rec.Deleted {
		versionHeaders(c.w.Header(), rec)
		return outcome.New(http.StatusGone, outcome.CodeDeleted, "", "version %d of %s/%s is its deletion", vid, rt.Type, rt.ID)
	}
	if notModified(c.r, rec) {
		versionHeaders(c.w.Header(), rec)
		c.writeEmpty(http.StatusNotModified)
		return nil
	}
	return c.sendRecord(http.StatusOK, rec)
}

// notModified applies If-None-Match (which wins when present, per RFC 7232)
// and If-Modified-Since.
func notModified(r *http.Request, rec *storage.Record) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return matchesAnyETag(inm, strconv.FormatInt(rec.VersionID, 10))
	}
	return notModifiedSince(r.Header.Get("If-Modified-Since"), rec.LastUpdated)
}
