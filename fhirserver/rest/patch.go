package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// patchDoc is the body of a PATCH: a JSON Patch (RFC 6902, both versions)
// or a FHIRPath Patch (a Parameters resource, R4).
type patchDoc struct {
	json     jsonpatch.Patch
	fhirpath *fhirjson.Value
}

// patch: PATCH /fhir/Type/id.
func (h *Handler) patch(c *call, rt route) {
	c.interaction = "patch"
	if err := h.allow(c.r.Context(), auth.InteractionPatch, rt.Type); err != nil {
		c.fail(err)
		return
	}
	op := &writeOp{Method: http.MethodPatch, Type: rt.Type, ID: rt.ID}
	h.runPatch(c, op)
}

// conditionalPatch: PATCH /fhir/Type?criteria.
func (h *Handler) conditionalPatch(c *call, rt route) {
	c.interaction = "patch"
	if err := h.allowAll(c, rt.Type, auth.InteractionPatch, auth.InteractionSearch); err != nil {
		c.fail(err)
		return
	}
	cond, err := conditionFromQuery(c.query, "conditional patch")
	if err != nil {
		c.fail(err)
		return
	}
	h.runPatch(c, &writeOp{Method: http.MethodPatch, Type: rt.Type, Cond: cond})
}

func (h *Handler) runPatch(c *call, op *writeOp) {
	data, kind, err := h.readBody(c)
	if err != nil {
		c.fail(err)
		return
	}
	if op.Patch, err = h.parsePatch(data, kind); err != nil {
		c.fail(err)
		return
	}
	if op.IfMatch, err = ifMatch(c.r.Header); err != nil {
		c.fail(err)
		return
	}
	h.runWrite(c, op)
}

// parsePatch reads a patch body of the given kind.
func (h *Handler) parsePatch(data []byte, kind bodyKind) (*patchDoc, error) {
	switch kind {
	case bodyJSONPatch:
		p, err := jsonpatch.DecodePatch(data)
		if err != nil {
			return nil, outcome.BadRequest(outcome.CodeStructure, "", "the JSON Patch cannot be read: %v", err)
		}
		return &patchDoc{json: p}, nil
	case bodyFHIRJSON:
		if h.ver.Name == "STU3" {
			return nil, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
				"FHIRPath Patch is an R4 feature; STU3 takes application/json-patch+json")
		}
		v, err := h.parseResource(data, "Parameters")
		if err != nil {
			return nil, err
		}
		return &patchDoc{fhirpath: v}, nil
	}
	return nil, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
		"PATCH takes application/json-patch+json or (R4) a FHIRPath Patch Parameters resource as application/fhir+json")
}

// execPatch applies a patch to the current version inside the write section,
// so that no concurrent write can slip between read and write.
func (h *Handler) execPatch(ctx context.Context, tx *storage.Tx, op *writeOp) (writeResult, error) {
	if op.Cond != nil {
		ids, err := h.search.Match(ctx, tx, op.Type, op.Cond)
		if err != nil {
			return writeResult{}, err
		}
		switch len(ids) {
		case 0:
			return writeResult{}, outcome.NotFound("no %s matches the conditional patch", op.Type)
		case 1:
			op.ID = ids[0]
		default:
			return writeResult{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
				"the conditional patch matches %d resources; it must match one", len(ids))
		}
	}
	cur, err := tx.Get(ctx, op.Type, op.ID)
	if err != nil {
		return writeResult{}, repository.StorageError(err, op.Type+"/"+op.ID)
	}
	if cur.Deleted {
		return writeResult{}, gone(op.Type, op.ID)
	}
	if op.IfMatch != 0 && cur.VersionID != op.IfMatch {
		return writeResult{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeConflict, "",
			"If-Match names version %d but %s/%s is at version %d", op.IfMatch, op.Type, op.ID, cur.VersionID)
	}
	patched, err := h.applyPatch(op.Patch, cur.JSON, op.Type)
	if err != nil {
		return writeResult{}, err
	}
	if patched.Str("id") != op.ID {
		return writeResult{}, outcome.Unprocessable(outcome.CodeProcessing, op.Type+".id", "a patch may not change the resource id")
	}
	dropServerOwned(patched)
	if meta := patched.Get("meta"); meta != nil && meta.Kind == fhirjson.Object {
		meta.Delete("versionId")
	}
	op.Resource = patched
	if err := h.index(op); err != nil {
		return writeResult{}, err
	}
	rec, err := tx.Put(storage.Put{Type: op.Type, ID: op.ID, IfMatch: cur.VersionID, Index: op.Entries, Stamp: h.stamper(op)})
	if err != nil {
		return writeResult{}, repository.StorageError(err, op.Type+"/"+op.ID)
	}
	return writeResult{Status: http.StatusOK, Rec: rec, Info: "patched " + op.Type + "/" + op.ID}, nil
}

// applyPatch returns the patched resource, validated as any update is.
// A patch that is well-formed but cannot be applied to this resource (a
// failed test, a missing path) is 422, as the FHIR patch page says.
func (h *Handler) applyPatch(p *patchDoc, current []byte, typ string) (*fhirjson.Value, error) {
	if p.json != nil {
		opts := jsonpatch.NewApplyOptions()
		out, err := p.json.ApplyWithOptions(current, opts)
		if err != nil {
			return nil, outcome.Unprocessable(outcome.CodeProcessing, "", "the JSON Patch cannot be applied: %v", err)
		}
		res, err := h.parseResource(out, typ)
		if err != nil {
			return nil, asUnprocessable(err, "the patched resource is not valid")
		}
		return res, nil
	}
	res, err := fhirjson.Parse(current)
	if err != nil {
		return nil, fmt.Errorf("stored %s is not JSON: %w", typ, err)
	}
	if err := h.applyFHIRPathPatch(p.fhirpath, res); err != nil {
		return nil, err
	}
	// Re-validate from the bytes, as the stored form will be read back.
	out, err := h.parseResource(fhirjson.Marshal(res), typ)
	if err != nil {
		return nil, asUnprocessable(err, "the patched resource is not valid")
	}
	return out, nil
}

// asUnprocessable turns a validation failure of a patch result into 422: the
// request was well-formed, its outcome is not.
func asUnprocessable(err error, prefix string) error {
	var oe *outcome.Error
	if errors.As(err, &oe) && oe.Status == http.StatusBadRequest {
		c := *oe
		c.Status = http.StatusUnprocessableEntity
		c.Issues = append([]outcome.Issue(nil), oe.Issues...)
		for i := range c.Issues {
			c.Issues[i].Diagnostics = prefix + ": " + c.Issues[i].Diagnostics
		}
		return &c
	}
	return err
}
