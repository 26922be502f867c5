package rest

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
)

// txEntry is one entry of a transaction: a write, which the repository
// plans and commits, or a read, run once the writes are committed.
type txEntry struct {
	*entry
	item *repository.TxItem // nil for reads
	read *recorder
}

// entryAction is the write a Bundle entry's request.method asks for.
var entryAction = map[string]repository.Action{
	"POST": repository.ActionCreate, "PUT": repository.ActionUpdate,
	"PATCH": repository.ActionPatch, "DELETE": repository.ActionDelete,
}

// transaction checks and parses every entry, has the repository run every
// write in ONE storage write (all or nothing, in the spec's order; see
// repository.Transaction), then runs the reads, last, as the spec orders
// them.
func (h *Handler) transaction(c *call, items []*fhirjson.Value) error {
	entries := make([]*txEntry, 0, len(items))
	var writes []*repository.TxItem
	for i, item := range items {
		e, err := h.parseEntry(i, item)
		if err == nil {
			err = h.authorize(c, e)
		}
		if err != nil {
			return withEntry(err, i)
		}
		te := &txEntry{entry: e}
		op, err := h.txOp(e)
		if err != nil {
			return withEntry(err, i)
		}
		if op != nil {
			te.item = &repository.TxItem{Index: i, FullURL: e.FullURL, Write: op}
			writes = append(writes, te.item)
		}
		entries = append(entries, te)
	}
	if err := h.repo.Transaction(c.ctx, writes); err != nil {
		if ee := (*repository.EntryError)(nil); errors.As(err, &ee) {
			err = withEntry(ee.Err, ee.Index)
		}
		return err
	}
	// Committed: what follows only reports it, so the request deadline must
	// not turn a transaction that happened into an error answer.
	defer h.afterCommit(c)()
	ctx := c.ctx
	for _, it := range writes {
		if it.Result.Effect == repository.EffectMatched {
			// As for a single conditional create: report it once durable.
			if _, err := h.repo.WaitDurable(ctx, it.Result.Rec); err != nil {
				return err
			}
		}
	}
	for _, te := range entries {
		if te.item == nil {
			hdr, body, _ := h.entryHTTP(c, te.entry)
			te.read = h.subRequest(c, te.Method, te.Rel, hdr, body)
		}
	}
	resp := &bundle{Type: "transaction-response", Total: -1}
	for _, te := range entries {
		resp.Entries = append(resp.Entries, h.txResponse(c, te))
	}
	return c.sendBundle(resp)
}

// txOp turns a write entry into a writeOp (nil for reads), validating its
// resource as the single interaction would.
func (h *Handler) txOp(e *entry) (*repository.Write, error) {
	if e.Method == "GET" || e.Method == "HEAD" {
		return nil, nil
	}
	rt := e.Route
	op := &repository.Write{Action: entryAction[e.Method], Type: rt.Type, ID: rt.ID}
	var err error
	if e.IfMatch != "" {
		hdr := http.Header{}
		hdr.Set("If-Match", e.IfMatch)
		if op.IfMatch, err = ifMatch(hdr); err != nil {
			return nil, err
		}
	}
	switch {
	case e.Method == "POST" && rt.Kind == routeType && len(e.Query) == 0:
		op.ID = ""
		if e.IfNoneExist != "" {
			if op.IfNoneExist, err = criteria(e.IfNoneExist, rt.Type, "ifNoneExist"); err != nil {
				return nil, err
			}
		}
	case e.Method != "POST" && rt.Kind == routeInstance:
	case e.Method != "POST" && rt.Kind == routeType && len(e.Query) > 0:
		op.Cond = e.Query
	default:
		return nil, outcome.BadRequest(outcome.CodeValue, e.where(".request.url"), "%s %s is not an interaction a transaction can hold", e.Method, e.Rel)
	}
	switch e.Method {
	case "POST", "PUT":
		// Parsed and validated with the Bundle: used as it is, not again.
		if op.Resource, err = h.repo.EntryResource(e.Resource, rt.Type); err != nil {
			return nil, err
		}
		if id := op.Resource.Str("id"); e.Method == "PUT" && op.Cond == nil && id != "" && id != rt.ID {
			return nil, outcome.BadRequest(outcome.CodeInvalid, rt.Type+".id", "the resource id %q is not the id %q in request.url", id, rt.ID)
		}
	case "PATCH":
		data, ct, err := patchFromEntry(e.Resource)
		if err != nil {
			return nil, err
		}
		kind, oe := bodyContentType(ct, h.ver.FHIRVersion)
		if oe != nil {
			return nil, oe
		}
		if op.Patch, err = h.parsePatch(data, kind); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// txResponse is the response entry of one transaction entry.
func (h *Handler) txResponse(c *call, te *txEntry) bundleEntry {
	if te.read != nil {
		return h.entryResponse(te.read)
	}
	res := te.item.Result
	resp := object("status", statusLine(writeStatus(res.Effect)))
	e := bundleEntry{Response: resp}
	if rec := res.Rec; rec != nil {
		vid := strconv.FormatInt(rec.VersionID, 10)
		if te.Method != "DELETE" {
			e.FullURL = h.resourceURL(rec.Type, rec.ID)
			resp.Set("location", fhirjson.NewString(rec.Type+"/"+rec.ID+"/_history/"+vid))
		}
		resp.Set("etag", fhirjson.NewString(etag(vid)))
		resp.Set("lastModified", fhirjson.NewString(repository.FormatInstant(rec.LastUpdated)))
		switch {
		case c.prefer.Return == returnOutcome:
			resp.Set("outcome", infoOutcome(res.Info))
		case c.prefer.Return == returnRepresentation && !rec.Deleted:
			e.Raw = rec.JSON
		}
	}
	return e
}
