package repository

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Patch is a parsed patch: a JSON Patch (RFC 6902, both versions) or a
// FHIRPath Patch (a Parameters resource, R4).
type Patch struct {
	json     jsonpatch.Patch
	fhirpath *fhirjson.Value
}

// ParseJSONPatch reads a JSON Patch.
func ParseJSONPatch(data []byte) (*Patch, error) {
	p, err := jsonpatch.DecodePatch(data)
	if err != nil {
		return nil, outcome.BadRequest(outcome.CodeStructure, "", "the JSON Patch cannot be read: %v", err)
	}
	return &Patch{json: p}, nil
}

// ParseFHIRPathPatch reads a FHIRPath Patch, a Parameters resource; STU3
// has none (415: a JSON Patch is the format it takes).
func (r *Repository) ParseFHIRPathPatch(data []byte) (*Patch, error) {
	if r.ver.Name == "STU3" {
		return nil, outcome.New(http.StatusUnsupportedMediaType, outcome.CodeNotSupported, "",
			"FHIRPath Patch is an R4 feature; STU3 takes application/json-patch+json")
	}
	v, err := r.ParseResource(data, "Parameters")
	if err != nil {
		return nil, err
	}
	return &Patch{fhirpath: v}, nil
}

// execPatch applies a patch to the current version inside the write section,
// so that no concurrent write can slip between read and write.
func (r *Repository) execPatch(ctx context.Context, tx *storage.Tx, op *Write) (Result, error) {
	if op.Cond != nil {
		ids, err := r.search.Match(ctx, tx, op.Type, op.Cond)
		if err != nil {
			return Result{}, err
		}
		switch len(ids) {
		case 0:
			return Result{}, outcome.NotFound("no %s matches the conditional patch", op.Type)
		case 1:
			op.ID = ids[0]
		default:
			return Result{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
				"the conditional patch matches %d resources; it must match one", len(ids))
		}
	}
	cur, err := tx.Get(ctx, op.Type, op.ID)
	if err != nil {
		return Result{}, StorageError(err, op.Type+"/"+op.ID)
	}
	if cur.Deleted {
		return Result{}, Gone(op.Type, op.ID)
	}
	if op.IfMatch != 0 && cur.VersionID != op.IfMatch {
		return Result{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeConflict, "",
			"If-Match names version %d but %s/%s is at version %d", op.IfMatch, op.Type, op.ID, cur.VersionID)
	}
	patched, err := r.applyPatch(op.Patch, cur.JSON, op.Type)
	if err != nil {
		return Result{}, err
	}
	if patched.Str("id") != op.ID {
		return Result{}, outcome.Unprocessable(outcome.CodeProcessing, op.Type+".id", "a patch may not change the resource id")
	}
	dropServerOwned(patched)
	if meta := patched.Get("meta"); meta != nil && meta.Kind == fhirjson.Object {
		meta.Delete("versionId")
	}
	op.Resource = patched
	if err := r.index(op); err != nil {
		return Result{}, err
	}
	rec, err := tx.Put(storage.Put{Type: op.Type, ID: op.ID, IfMatch: cur.VersionID, Index: op.entries, Stamp: r.stamper(op), Reindex: r.reindex})
	if err != nil {
		return Result{}, StorageError(err, op.Type+"/"+op.ID)
	}
	return Result{Effect: EffectUpdated, Rec: rec, Info: "patched " + op.Type + "/" + op.ID}, nil
}

// applyPatch returns the patched resource, validated as any update is.
// A patch that is well-formed but cannot be applied to this resource (a
// failed test, a missing path) is 422, as the FHIR patch page says.
func (r *Repository) applyPatch(p *Patch, current []byte, typ string) (*fhirjson.Value, error) {
	if p.json != nil {
		opts := jsonpatch.NewApplyOptions()
		out, err := p.json.ApplyWithOptions(current, opts)
		if err != nil {
			return nil, outcome.Unprocessable(outcome.CodeProcessing, "", "the JSON Patch cannot be applied: %v", err)
		}
		res, err := r.ParseResource(out, typ)
		if err != nil {
			return nil, asUnprocessable(err, "the patched resource is not valid")
		}
		return res, nil
	}
	res, err := fhirjson.Parse(current)
	if err != nil {
		return nil, fmt.Errorf("stored %s is not JSON: %w", typ, err)
	}
	if err := r.applyFHIRPathPatch(p.fhirpath, res); err != nil {
		return nil, err
	}
	// Re-validate from the bytes, as the stored form will be read back.
	out, err := r.ParseResource(fhirjson.Marshal(res), typ)
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
