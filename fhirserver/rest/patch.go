package rest

import (
	"net/http"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// patch: PATCH /fhir/Type/id.
func (h *Handler) patch(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionPatch, rt.Type); err != nil {
		return err
	}
	op := &repository.Write{Action: repository.ActionPatch, Type: rt.Type, ID: rt.ID}
	return h.runPatch(c, op)
}

// conditionalPatch: PATCH /fhir/Type?criteria.
func (h *Handler) conditionalPatch(c *call, rt route) error {
	if err := h.allowAll(c, rt.Type, auth.InteractionPatch, auth.InteractionSearch); err != nil {
		return err
	}
	cond, err := conditionFromQuery(c.query, "conditional patch")
	if err != nil {
		return err
	}
	return h.runPatch(c, &repository.Write{Action: repository.ActionPatch, Type: rt.Type, Cond: cond})
}

func (h *Handler) runPatch(c *call, op *repository.Write) error {
	err := h.repo.ExpectingWrite(func() error { // see readResource
		data, kind, err := h.readBody(c)
		if err == nil {
			op.Patch, err = h.parsePatch(data, kind)
		}
		return err
	})
	if err != nil {
		return err
	}
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		return err
	}
	return h.runWrite(c, op)
}

// parsePatch reads a patch body of the given kind.
func (h *Handler) parsePatch(data []byte, kind bodyKind) (*repository.Patch, error) {
	switch kind {
	case bodyJSONPatch:
		return repository.ParseJSONPatch(data)
	case bodyFHIRJSON:
		return h.repo.ParseFHIRPathPatch(data)
	}
	return nil, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
		"PATCH takes application/json-patch+json or (R4) a FHIRPath Patch Parameters resource as application/fhir+json")
}
