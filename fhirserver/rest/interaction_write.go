package rest

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// create: POST /fhir/Type, conditional with If-None-Exist.
func (h *Handler) create(c *call, rt route) {
	c.interaction = "create"
	if err := h.allow(c.r.Context(), auth.InteractionCreate, rt.Type); err != nil {
		c.fail(err)
		return
	}
	res, err := h.readResource(c, rt.Type)
	if err != nil {
		c.fail(err)
		return
	}
	dropServerOwned(res)
	op := &writeOp{Method: http.MethodPost, Type: rt.Type, Resource: res}
	if ine := c.r.Header.Get("If-None-Exist"); ine != "" {
		if op.IfNoneExist, err = criteria(ine, rt.Type, "If-None-Exist"); err != nil {
			c.fail(err)
			return
		}
		// Matching needs search permission as well: a conditional create
		// reveals whether matching resources exist.
		if err := h.allow(c.r.Context(), auth.InteractionSearch, rt.Type); err != nil {
			c.fail(err)
			return
		}
	}
	h.runWrite(c, op)
}

// update: PUT /fhir/Type/id (create-on-update when id is new).
func (h *Handler) update(c *call, rt route) {
	c.interaction = "update"
	if err := h.allow(c.r.Context(), auth.InteractionUpdate, rt.Type); err != nil {
		c.fail(err)
		return
	}
	res, err := h.readResource(c, rt.Type)
	if err != nil {
		c.fail(err)
		return
	}
	if err := checkBodyID(res, rt.Type, rt.ID); err != nil {
		c.fail(err)
		return
	}
	dropServerOwned(res)
	op := &writeOp{Method: http.MethodPut, Type: rt.Type, ID: rt.ID, Resource: res}
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		c.fail(err)
		return
	}
	h.runWrite(c, op)
}

// conditionalUpdate: PUT /fhir/Type?criteria.
func (h *Handler) conditionalUpdate(c *call, rt route) {
	c.interaction = "update"
	if err := h.allowAll(c, rt.Type, auth.InteractionUpdate, auth.InteractionSearch); err != nil {
		c.fail(err)
		return
	}
	cond, err := conditionFromQuery(c.query, "conditional update")
	if err != nil {
		c.fail(err)
		return
	}
	res, err := h.readResource(c, rt.Type)
	if err != nil {
		c.fail(err)
		return
	}
	dropServerOwned(res)
	op := &writeOp{Method: http.MethodPut, Type: rt.Type, Cond: cond, Resource: res}
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		c.fail(err)
		return
	}
	h.runWrite(c, op)
}

// delete: DELETE /fhir/Type/id.
func (h *Handler) delete(c *call, rt route) {
	c.interaction = "delete"
	if err := h.allow(c.r.Context(), auth.InteractionDelete, rt.Type); err != nil {
		c.fail(err)
		return
	}
	op := &writeOp{Method: http.MethodDelete, Type: rt.Type, ID: rt.ID}
	var err error
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		c.fail(err)
		return
	}
	h.runWrite(c, op)
}

// conditionalDelete: DELETE /fhir/Type?criteria (every match is deleted).
func (h *Handler) conditionalDelete(c *call, rt route) {
	c.interaction = "delete"
	if err := h.allowAll(c, rt.Type, auth.InteractionDelete, auth.InteractionSearch); err != nil {
		c.fail(err)
		return
	}
	cond, err := conditionFromQuery(c.query, "conditional delete")
	if err != nil {
		c.fail(err)
		return
	}
	h.runWrite(c, &writeOp{Method: http.MethodDelete, Type: rt.Type, Cond: cond})
}

func (h *Handler) allowAll(c *call, typ string, ins ...auth.Interaction) error {
	for _, in := range ins {
		if err := h.allow(c.r.Context(), in, typ); err != nil {
			return err
		}
	}
	return nil
}

// runWrite prepares op, runs it in one write section and answers.
func (h *Handler) runWrite(c *call, op *writeOp) {
	if err := h.prepare(op); err != nil {
		c.fail(err)
		return
	}
	ctx := c.r.Context()
	var res writeResult
	_, err := h.store.Write(ctx, func(tx *storage.Tx) error {
		var err error
		res, err = h.exec(ctx, tx, op)
		return err
	})
	if err != nil {
		c.fail(repository.StorageError(err, op.Type))
		return
	}
	if res.Status == http.StatusOK && op.Method == http.MethodPost {
		// If-None-Exist found a resource, perhaps one whose commit is still
		// waiting for its fsync; the write section wrote nothing, so nothing
		// waited. Reading it through the store waits until it is durable, so
		// the client is never told of a resource a crash could take back.
		if res.Rec, err = h.store.GetVersion(ctx, res.Rec.Type, res.Rec.ID, res.Rec.VersionID); err != nil {
			c.fail(repository.StorageError(err, op.Type))
			return
		}
	}
	if op.Method == http.MethodDelete && res.Deleted == 0 && op.Cond == nil {
		// Nothing was deleted because the resource is already gone, maybe by
		// a delete whose fsync is still in flight: reading it waits for that,
		// so "deleted" is only ever reported once it is durable.
		if _, err := h.store.Get(ctx, op.Type, op.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			c.fail(repository.StorageError(err, op.Type))
			return
		}
	}
	if op.Method == http.MethodDelete {
		if res.Rec != nil && op.Cond == nil {
			versionHeaders(c.w.Header(), res.Rec)
		}
		if c.prefer.Return == returnOutcome {
			c.writeValue(http.StatusOK, infoOutcome(res.Info))
			return
		}
		c.writeEmpty(http.StatusNoContent)
		return
	}
	c.sendWrite(res.Status, res.Rec, res.Info)
}

// checkBodyID enforces that an update's body names the resource of the URL.
func checkBodyID(res interface{ Str(string) string }, typ, id string) error {
	bodyID := res.Str("id")
	if bodyID == "" {
		return outcome.BadRequest(outcome.CodeRequired, typ+".id", "an update needs the resource id in the body (%q)", id)
	}
	if bodyID != id {
		return outcome.BadRequest(outcome.CodeInvalid, typ+".id", "the body's id %q is not the id %q in the URL", bodyID, id)
	}
	return nil
}

// ifMatch reads If-Match as a version number (0 when absent).
func ifMatch(hdr http.Header) (int64, error) {
	s := hdr.Get("If-Match")
	if s == "" {
		return 0, nil
	}
	v, ok := parseETag(s)
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, outcome.New(http.StatusPreconditionFailed, outcome.CodeConflict, "",
			"If-Match %q does not name a version of this server (W/\"<versionId>\")", s)
	}
	return n, nil
}

// criteria parses the search criteria of If-None-Exist or a conditional
// reference; a leading "Type?" is tolerated since some clients send it.
func criteria(s, typ, where string) (url.Values, error) {
	s = strings.TrimPrefix(s, typ+"?")
	s = strings.TrimPrefix(s, "?")
	q, err := url.ParseQuery(s)
	if err != nil || len(q) == 0 {
		return nil, outcome.BadRequest(outcome.CodeInvalid, "", "%s %q is not a search query", where, s)
	}
	return q, nil
}

// conditionFromQuery is the criteria of a conditional interaction in the URL
// query; formatting parameters are not criteria.
func conditionFromQuery(q url.Values, what string) (url.Values, error) {
	cond := url.Values{}
	for k, v := range q {
		switch k {
		case "_format", "_pretty", "_summary", "_elements":
			continue
		}
		cond[k] = v
	}
	if len(cond) == 0 {
		return nil, outcome.BadRequest(outcome.CodeRequired, "", "a %s needs search criteria in the URL", what)
	}
	return cond, nil
}
