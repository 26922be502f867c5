package rest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// create: POST /fhir/Type, conditional with If-None-Exist.
func (h *Handler) create(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionCreate, rt.Type); err != nil {
		return err
	}
	res, err := h.readResource(c, rt.Type)
	if err != nil {
		return err
	}
	op := &repository.Write{Action: repository.ActionCreate, Type: rt.Type, Resource: res}
	if ine := c.r.Header.Get("If-None-Exist"); ine != "" {
		if op.IfNoneExist, err = criteria(ine, rt.Type, "If-None-Exist"); err != nil {
			return err
		}
		// Matching needs search permission as well: a conditional create
		// reveals whether matching resources exist.
		if err := h.allow(c.ctx, auth.InteractionSearch, rt.Type); err != nil {
			return err
		}
	}
	return h.runWrite(c, op)
}

// update: PUT /fhir/Type/id (create-on-update when id is new).
func (h *Handler) update(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionUpdate, rt.Type); err != nil {
		return err
	}
	res, err := h.readResource(c, rt.Type)
	if err != nil {
		return err
	}
	if err := checkBodyID(res, rt.Type, rt.ID); err != nil {
		return err
	}
	op := &repository.Write{Action: repository.ActionUpdate, Type: rt.Type, ID: rt.ID, Resource: res}
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		return err
	}
	return h.runWrite(c, op)
}

// conditionalUpdate: PUT /fhir/Type?criteria.
func (h *Handler) conditionalUpdate(c *call, rt route) error {
	if err := h.allowAll(c, rt.Type, auth.InteractionUpdate, auth.InteractionSearch); err != nil {
		return err
	}
	cond, err := conditionFromQuery(c.query, "conditional update")
	if err != nil {
		return err
	}
	res, err := h.readResource(c, rt.Type)
	if err != nil {
		return err
	}
	op := &repository.Write{Action: repository.ActionUpdate, Type: rt.Type, Cond: cond, Resource: res}
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		return err
	}
	return h.runWrite(c, op)
}

// delete: DELETE /fhir/Type/id.
func (h *Handler) delete(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionDelete, rt.Type); err != nil {
		return err
	}
	op := &repository.Write{Action: repository.ActionDelete, Type: rt.Type, ID: rt.ID}
	var err error
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		return err
	}
	return h.runWrite(c, op)
}

// conditionalDelete: DELETE /fhir/Type?criteria (every match is deleted).
func (h *Handler) conditionalDelete(c *call, rt route) error {
	if err := h.allowAll(c, rt.Type, auth.InteractionDelete, auth.InteractionSearch); err != nil {
		return err
	}
	cond, err := conditionFromQuery(c.query, "conditional delete")
	if err != nil {
		return err
	}
	return h.runWrite(c, &repository.Write{Action: repository.ActionDelete, Type: rt.Type, Cond: cond})
}

func (h *Handler) allowAll(c *call, typ string, ins ...auth.Interaction) error {
	for _, in := range ins {
		if err := h.allow(c.ctx, in, typ); err != nil {
			return err
		}
	}
	return nil
}

// runWrite commits op and answers.
func (h *Handler) runWrite(c *call, op *repository.Write) error {
	res, err := h.repo.Commit(c.ctx, op)
	if err != nil {
		return err
	}
	if op.Action == repository.ActionDelete {
		if res.Rec != nil && op.Cond == nil {
			versionHeaders(c.w.Header(), res.Rec)
		}
		if c.prefer.Return == returnOutcome {
			c.writeValue(http.StatusOK, infoOutcome(res.Info))
			return nil
		}
		c.writeEmpty(http.StatusNoContent)
		return nil
	}
	return c.sendWrite(writeStatus(res.Effect), res.Rec, res.Info)
}

// writeStatus is the HTTP status of what a write did.
func writeStatus(e repository.Effect) int {
	switch e {
	case repository.EffectCreated:
		return http.StatusCreated
	case repository.EffectDeleted:
		return http.StatusNoContent
	}
	return http.StatusOK // updated, or If-None-Exist matched
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
