package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// writeOp is one write, from an HTTP request or a bundle entry, prepared
// outside the serial write section as far as possible (parsed, validated,
// indexed) so that the part inside it stays short.
type writeOp struct {
	Method string // POST, PUT, PATCH, DELETE
	Type   string
	// ID is the target; "" for create and the conditional forms.
	ID string
	// Cond are the criteria of a conditional update/delete/patch (nil when
	// the target is given by ID).
	Cond url.Values
	// IfNoneExist are the criteria of a conditional create.
	IfNoneExist url.Values
	// IfMatch is the required current version (0: none).
	IfMatch int64
	// Resource is the body of a create or update, validated.
	Resource *fhirjson.Value
	// Entries are Resource's index entries, computed for ID when ID is known.
	Entries []storage.IndexEntry
	// Patch is the patch of a PATCH.
	Patch *patchDoc
	// Indexed says Entries were computed for the final resource (a
	// transaction that could resolve its identities before the write).
	Indexed bool
}

// writeResult is what a write did.
type writeResult struct {
	Status int
	// Rec is the version written, or the existing one a conditional create
	// found; nil for deletes that found nothing.
	Rec *storage.Record
	// Deleted counts the resources a (conditional) delete removed.
	Deleted int
	Info    string
}

// prepare computes what can be computed before the write section: the id of
// a create and the index entries of a create or update.
func (h *Handler) prepare(op *writeOp) error {
	switch op.Method {
	case http.MethodPost:
		// The server owns id, versionId and lastUpdated: a client's are dropped.
		op.ID = newID()
	case http.MethodPut:
		if op.Cond != nil {
			return nil // the id is known only once the criteria are matched
		}
	default:
		return nil
	}
	return h.index(op)
}

// index sets the resource's id and computes its index entries.
func (h *Handler) index(op *writeOp) error {
	op.Resource.Set("id", fhirjson.NewString(op.ID))
	entries, err := h.search.IndexEntries(op.Type, op.Resource)
	if err != nil {
		return fmt.Errorf("index %s/%s: %w", op.Type, op.ID, err)
	}
	op.Entries = entries
	return nil
}

// exec runs a prepared write inside the serial write section.
func (h *Handler) exec(ctx context.Context, tx *storage.Tx, op *writeOp) (writeResult, error) {
	switch op.Method {
	case http.MethodPost:
		return h.execCreate(ctx, tx, op)
	case http.MethodPut:
		return h.execUpdate(ctx, tx, op)
	case http.MethodPatch:
		return h.execPatch(ctx, tx, op)
	case http.MethodDelete:
		return h.execDelete(ctx, tx, op)
	}
	return writeResult{}, outcome.New(http.StatusMethodNotAllowed, outcome.CodeNotSupported, "", "%s is not a write", op.Method)
}

func (h *Handler) execCreate(ctx context.Context, tx *storage.Tx, op *writeOp) (writeResult, error) {
	if op.IfNoneExist != nil {
		ids, err := h.search.Match(ctx, tx, op.Type, op.IfNoneExist)
		if err != nil {
			return writeResult{}, err
		}
		switch len(ids) {
		case 0:
		case 1:
			rec, err := tx.Get(ctx, op.Type, ids[0])
			if err != nil {
				return writeResult{}, fmt.Errorf("read %s/%s matched by If-None-Exist: %w", op.Type, ids[0], err)
			}
			return writeResult{Status: http.StatusOK, Rec: rec, Info: "an existing resource matches If-None-Exist; nothing was created"}, nil
		default:
			return writeResult{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
				"If-None-Exist matches %d resources; it must match at most one", len(ids))
		}
	}
	rec, err := tx.Put(storage.Put{Type: op.Type, ID: op.ID, Create: true, Index: op.Entries, Stamp: h.stamper(op)})
	if err != nil {
		return writeResult{}, repository.StorageError(err, op.Type+"/"+op.ID)
	}
	return writeResult{Status: http.StatusCreated, Rec: rec, Info: "created " + op.Type + "/" + op.ID}, nil
}

func (h *Handler) execUpdate(ctx context.Context, tx *storage.Tx, op *writeOp) (writeResult, error) {
	if op.Cond != nil {
		ids, err := h.search.Match(ctx, tx, op.Type, op.Cond)
		if err != nil {
			return writeResult{}, err
		}
		bodyID := op.Resource.Str("id")
		switch len(ids) {
		case 0:
			op.ID = bodyID
			if op.ID == "" {
				op.ID = newID()
			}
		case 1:
			if bodyID != "" && bodyID != ids[0] {
				return writeResult{}, outcome.BadRequest(outcome.CodeInvalid, op.Type+".id",
					"the body's id %q is not the id %q the criteria matched", bodyID, ids[0])
			}
			op.ID = ids[0]
		default:
			return writeResult{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
				"the conditional update matches %d resources; it must match at most one", len(ids))
		}
		if err := h.index(op); err != nil {
			return writeResult{}, err
		}
	}
	if err := h.allowCreateOnUpdate(ctx, tx, op); err != nil {
		return writeResult{}, err
	}
	rec, err := tx.Put(storage.Put{Type: op.Type, ID: op.ID, IfMatch: op.IfMatch, Index: op.Entries, Stamp: h.stamper(op)})
	if err != nil {
		return writeResult{}, repository.StorageError(err, op.Type+"/"+op.ID)
	}
	if rec.Op == storage.OpCreate {
		return writeResult{Status: http.StatusCreated, Rec: rec, Info: "created " + op.Type + "/" + op.ID}, nil
	}
	return writeResult{Status: http.StatusOK, Rec: rec, Info: "updated " + op.Type + "/" + op.ID}, nil
}

// allowCreateOnUpdate: an update of an id that never existed creates the
// resource, so it needs the create permission (scope letter c) besides the
// update one the route checked. The lookup runs only for a caller who may
// not create, so permitted writers pay nothing for it.
func (h *Handler) allowCreateOnUpdate(ctx context.Context, tx *storage.Tx, op *writeOp) error {
	denied := h.allow(ctx, auth.InteractionCreate, op.Type)
	if denied == nil {
		return nil
	}
	_, err := tx.Get(ctx, op.Type, op.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return denied
	case err != nil && !errors.Is(err, storage.ErrGone):
		return fmt.Errorf("read %s/%s: %w", op.Type, op.ID, err)
	}
	return nil // it exists (or is deleted): a plain update
}

func (h *Handler) execDelete(ctx context.Context, tx *storage.Tx, op *writeOp) (writeResult, error) {
	ids := []string{op.ID}
	if op.Cond != nil {
		var err error
		if ids, err = h.search.Match(ctx, tx, op.Type, op.Cond); err != nil {
			return writeResult{}, err
		}
		if len(ids) > maxConditionalDeletes {
			return writeResult{}, outcome.New(http.StatusPreconditionFailed, outcome.CodeTooCostly, "",
				"the conditional delete matches %d resources; at most %d can be deleted at once", len(ids), maxConditionalDeletes)
		}
	}
	res := writeResult{Status: http.StatusNoContent}
	for _, id := range ids {
		rec, err := tx.Delete(storage.Delete{Type: op.Type, ID: id, IfMatch: op.IfMatch})
		switch {
		case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrGone):
			// Deleting what is not there succeeds: the end state is the one asked for.
			continue
		case err != nil:
			return writeResult{}, repository.StorageError(err, op.Type+"/"+id)
		}
		res.Rec = rec
		res.Deleted++
	}
	res.Info = fmt.Sprintf("deleted %d resource(s)", res.Deleted)
	return res, nil
}

// maxConditionalDeletes bounds one conditional delete (conditionalDelete is
// "multiple" in the CapabilityStatement).
const maxConditionalDeletes = 1000

// stamper returns the Put.Stamp function of op: it sets id, versionId and
// lastUpdated, adds the index entries that depend on the version, and
// marshals. It runs inside the write section.
func (h *Handler) stamper(op *writeOp) func(storage.Version) ([]byte, []storage.IndexEntry, error) {
	return func(v storage.Version) ([]byte, []storage.IndexEntry, error) {
		setIdentity(op.Resource, v.ID, strconv.FormatInt(v.VersionID, 10), v.LastUpdated)
		extra, err := h.versionEntries(op.Resource)
		if err != nil {
			return nil, nil, err
		}
		return fhirjson.Marshal(op.Resource), extra, nil
	}
}

// versionEntries returns the index entries that depend on the version being
// written: _lastUpdated, whose value the store fixes only inside the write
// section. It indexes a stub holding only meta.lastUpdated, as the cheapest
// resource type of the version (h.stubType): _lastUpdated is defined on
// Resource, so its entries do not depend on the type, and the stub keeps
// this part of the serial section to a few microseconds.
func (h *Handler) versionEntries(stamped *fhirjson.Value) ([]storage.IndexEntry, error) {
	meta := fhirjson.NewObject()
	meta.Set("lastUpdated", stamped.Get("meta").Get("lastUpdated"))
	stub := fhirjson.NewObject()
	stub.Set("resourceType", fhirjson.NewString(h.stubType))
	stub.Set("meta", meta)
	all, err := h.search.IndexEntries(h.stubType, stub)
	if err != nil {
		return nil, fmt.Errorf("index _lastUpdated: %w", err)
	}
	out := all[:0]
	for _, e := range all {
		if e.Param == "_lastUpdated" {
			out = append(out, e)
		}
	}
	return out, nil
}

// cheapestType is the concrete resource type with the fewest search
// parameters: indexing a stub of it costs least.
func cheapestType(types []string, params func(string) int) string {
	best, n := "", -1
	for _, t := range types {
		if c := params(t); n < 0 || c < n {
			best, n = t, c
		}
	}
	return best
}

// dropServerOwned removes what the server assigns from a client's body, so
// that it is neither indexed nor kept: meta.versionId and meta.lastUpdated
// (id is handled by each interaction: dropped on create, checked on update).
func dropServerOwned(v *fhirjson.Value) {
	if meta := v.Get("meta"); meta != nil && meta.Kind == fhirjson.Object {
		meta.Delete("lastUpdated")
		meta.Delete("_lastUpdated")
		if len(meta.Members) == 0 {
			v.Delete("meta")
		}
	}
}
