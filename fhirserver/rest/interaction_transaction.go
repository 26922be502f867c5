package rest

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// txEntry is one entry of a transaction with its prepared write (nil for
// reads) and, once run, its result.
type txEntry struct {
	*entry
	op *writeOp
	// existing is the id an If-None-Exist matched: the entry writes nothing.
	existing string
	res      writeResult
	read     *recorder
}

// transaction runs every write entry in ONE storage write, so the bundle is
// all or nothing and no other writer sees part of it. Inside that write it
// follows the spec's order: resolve every identity (new ids, conditional
// creates, updates and patches, conditional references), rewrite the
// bundle's references to them, then delete, create, update and patch. Reads
// run after the commit, last, as the spec orders them.
func (h *Handler) transaction(c *call, items []*fhirjson.Value) {
	entries := make([]*txEntry, 0, len(items))
	for i, item := range items {
		e, err := h.parseEntry(i, item)
		if err == nil {
			err = h.authorize(c, e)
		}
		if err != nil {
			c.fail(withEntry(err, i))
			return
		}
		te := &txEntry{entry: e}
		if te.op, err = h.txOp(e); err != nil {
			c.fail(withEntry(err, i))
			return
		}
		entries = append(entries, te)
	}
	order := make([]*txEntry, len(entries))
	copy(order, entries)
	sort.SliceStable(order, func(a, b int) bool { return entryRank(order[a].Method) < entryRank(order[b].Method) })

	ctx := c.r.Context()
	if err := h.preResolve(order); err != nil {
		c.fail(err)
		return
	}
	_, err := h.store.Write(ctx, func(tx *storage.Tx) error {
		return h.runTransaction(ctx, tx, order)
	})
	if err != nil {
		c.fail(repository.StorageError(err, "the transaction"))
		return
	}
	// Committed: what follows only reports it, so the request deadline must
	// not turn a transaction that happened into an error answer.
	defer h.afterCommit(c)()
	ctx = c.r.Context()
	for _, te := range order {
		if te.existing != "" {
			// As in runWrite: wait until the matched version is durable.
			if _, err := h.store.GetVersion(ctx, te.res.Rec.Type, te.res.Rec.ID, te.res.Rec.VersionID); err != nil {
				c.fail(repository.StorageError(err, "the transaction"))
				return
			}
		}
		if te.op == nil {
			hdr, body, _ := h.entryHTTP(c, te.entry)
			te.read = h.subRequest(c, te.Method, te.Rel, hdr, body)
		}
	}
	resp := &bundle{Type: "transaction-response", Total: -1}
	for _, te := range entries {
		resp.Entries = append(resp.Entries, h.txResponse(c, te))
	}
	c.sendBundle(resp)
}

// txOp turns a write entry into a writeOp (nil for reads), validating its
// resource as the single interaction would.
func (h *Handler) txOp(e *entry) (*writeOp, error) {
	if e.Method == "GET" || e.Method == "HEAD" {
		return nil, nil
	}
	rt := e.Route
	op := &writeOp{Method: e.Method, Type: rt.Type, ID: rt.ID}
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
		if op.Resource, err = h.parseResource(fhirjson.Marshal(e.Resource), rt.Type); err != nil {
			return nil, err
		}
		if id := op.Resource.Str("id"); e.Method == "PUT" && op.Cond == nil && id != "" && id != rt.ID {
			return nil, outcome.BadRequest(outcome.CodeInvalid, rt.Type+".id", "the resource id %q is not the id %q in request.url", id, rt.ID)
		}
		dropServerOwned(op.Resource)
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

// runTransaction is the body of the transaction's write section.
func (h *Handler) runTransaction(ctx context.Context, tx *storage.Tx, order []*txEntry) error {
	ids := map[string]string{} // placeholder fullUrl or conditional reference → Type/id
	targets := map[string]int{}
	for _, te := range order {
		if te.op == nil {
			continue
		}
		if err := h.resolve(ctx, tx, te); err != nil {
			return withEntry(err, te.Index)
		}
		op := te.op
		if op.ID == "" {
			continue // a conditional delete: its targets are found when it runs
		}
		if isPlaceholder(te.FullURL) {
			ids[te.FullURL] = op.Type + "/" + op.ID
		}
		key := op.Type + "/" + op.ID
		if prev, dup := targets[key]; dup {
			return outcome.BadRequest(outcome.CodeDuplicate, te.where(""),
				"entries %d and %d both change %s; a transaction may change a resource once", prev, te.Index, key)
		}
		targets[key] = te.Index
	}
	if err := h.resolveConditionalRefs(ctx, tx, order, ids); err != nil {
		return err
	}
	for _, te := range order {
		if te.op != nil && te.op.Resource != nil && !te.op.Indexed {
			rewriteRefs(te.op.Resource, ids)
			if te.op.ID != "" {
				te.op.Resource.Set("id", fhirjson.NewString(te.op.ID))
			}
		}
	}
	for _, te := range order {
		if te.op == nil {
			continue
		}
		res, err := h.runTxWrite(ctx, tx, te)
		if err != nil {
			return withEntry(err, te.Index)
		}
		te.res = res
	}
	return nil
}

// resolve fixes the identity an entry writes to, before anything is written.
func (h *Handler) resolve(ctx context.Context, tx *storage.Tx, te *txEntry) error {
	op := te.op
	switch op.Method {
	case http.MethodPost:
		if op.Indexed {
			return nil // identity fixed by preResolve
		}
		if op.IfNoneExist != nil {
			found, err := h.search.Match(ctx, tx, op.Type, op.IfNoneExist)
			if err != nil {
				return err
			}
			switch len(found) {
			case 0:
			case 1:
				te.existing, op.ID = found[0], found[0]
				return nil
			default:
				return outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
					"ifNoneExist matches %d resources; it must match at most one", len(found))
			}
		}
		op.ID = newID()
	case http.MethodPut, http.MethodPatch:
		if op.Cond == nil {
			return nil
		}
		found, err := h.search.Match(ctx, tx, op.Type, op.Cond)
		if err != nil {
			return err
		}
		switch {
		case len(found) > 1:
			return outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
				"the conditional %s matches %d resources; it must match at most one", op.Method, len(found))
		case len(found) == 1:
			if id := op.Resource.Str("id"); op.Resource != nil && id != "" && id != found[0] {
				return outcome.BadRequest(outcome.CodeInvalid, op.Type+".id", "the resource id %q is not the id %q the criteria matched", id, found[0])
			}
			op.ID = found[0]
		case op.Method == http.MethodPatch:
			return outcome.NotFound("no %s matches the conditional patch", op.Type)
		default:
			if op.ID = op.Resource.Str("id"); op.ID == "" {
				op.ID = newID()
			}
		}
		op.Cond = nil
	}
	return nil
}

// resolveConditionalRefs resolves every "Type?criteria" reference of the
// bundle's resources to the one resource it matches.
func (h *Handler) resolveConditionalRefs(ctx context.Context, tx *storage.Tx, order []*txEntry, ids map[string]string) error {
	for _, te := range order {
		if te.op == nil || te.op.Resource == nil {
			continue
		}
		refs := map[string]bool{}
		conditionalRefs(te.op.Resource, refs)
		for ref := range refs {
			if _, done := ids[ref]; done {
				continue
			}
			typ, q, _ := splitConditional(ref)
			if !h.types[typ] {
				return withEntry(outcome.BadRequest(outcome.CodeValue, "", "the conditional reference %q names an unknown type", ref), te.Index)
			}
			found, err := h.search.Match(ctx, tx, typ, q)
			if err != nil {
				return withEntry(err, te.Index)
			}
			if len(found) != 1 {
				return withEntry(outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
					"the conditional reference %q matches %d resources; it must match exactly one", ref, len(found)), te.Index)
			}
			ids[ref] = typ + "/" + found[0]
		}
	}
	return nil
}

// runTxWrite stages one resolved write.
func (h *Handler) runTxWrite(ctx context.Context, tx *storage.Tx, te *txEntry) (writeResult, error) {
	op := te.op
	if te.existing != "" {
		rec, err := tx.Get(ctx, op.Type, te.existing)
		if err != nil {
			return writeResult{}, repository.StorageError(err, op.Type+"/"+te.existing)
		}
		return writeResult{Status: http.StatusOK, Rec: rec}, nil
	}
	if (op.Method == http.MethodPost || op.Method == http.MethodPut) && !op.Indexed {
		if err := h.index(op); err != nil {
			return writeResult{}, err
		}
	}
	return h.exec(ctx, tx, op)
}

// txResponse is the response entry of one transaction entry.
func (h *Handler) txResponse(c *call, te *txEntry) bundleEntry {
	if te.read != nil {
		return h.entryResponse(te.read)
	}
	res := te.res
	resp := object("status", statusLine(res.Status))
	e := bundleEntry{Response: resp}
	if rec := res.Rec; rec != nil {
		vid := strconv.FormatInt(rec.VersionID, 10)
		if te.Method != "DELETE" {
			e.FullURL = h.resourceURL(rec.Type, rec.ID)
			resp.Set("location", fhirjson.NewString(rec.Type+"/"+rec.ID+"/_history/"+vid))
		}
		resp.Set("etag", fhirjson.NewString(etag(vid)))
		resp.Set("lastModified", fhirjson.NewString(formatInstant(rec.LastUpdated)))
		switch {
		case c.prefer.Return == returnOutcome:
			resp.Set("outcome", infoOutcome(res.Info))
		case c.prefer.Return == returnRepresentation && !rec.Deleted:
			e.Raw = rec.JSON
		}
	}
	return e
}

// preResolve does the identity work of a transaction before the write
// section when nothing in it depends on the store's state (no ifNoneExist,
// no conditional update, patch or delete, no conditional reference) — the
// common case of a bundle of new resources linked by urn:uuid. Ids are
// assigned, references rewritten and index entries computed here, so the
// serial write section only checks and stages. Otherwise it does nothing
// and runTransaction resolves everything inside the section.
func (h *Handler) preResolve(order []*txEntry) error {
	for _, te := range order {
		op := te.op
		if op == nil {
			continue
		}
		if op.Cond != nil || op.IfNoneExist != nil {
			return nil
		}
		if op.Resource != nil {
			refs := map[string]bool{}
			conditionalRefs(op.Resource, refs)
			if len(refs) > 0 {
				return nil
			}
		}
	}
	ids := map[string]string{}
	for _, te := range order {
		if op := te.op; op != nil && op.Method == http.MethodPost {
			op.ID = newID()
		}
		if op := te.op; op != nil && op.ID != "" && isPlaceholder(te.FullURL) {
			ids[te.FullURL] = op.Type + "/" + op.ID
		}
	}
	for _, te := range order {
		op := te.op
		if op == nil || op.Resource == nil {
			continue
		}
		rewriteRefs(op.Resource, ids)
		if err := h.index(op); err != nil {
			return withEntry(err, te.Index)
		}
		op.Indexed = true
	}
	return nil
}
