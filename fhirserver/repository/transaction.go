package repository

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TxItem is one write of a transaction: its place in the Bundle (Index,
// which errors name), its fullUrl (a placeholder the other entries may
// reference), the write and, once committed, what it did.
type TxItem struct {
	Index   int
	FullURL string
	Write   *Write
	Result  Result
	// existing is the id an ifNoneExist matched: the item writes nothing.
	existing string
}

// EntryError is the failure of a transaction that one entry caused.
type EntryError struct {
	Index int // the entry's index in the Bundle
	Err   error
}

func (e *EntryError) Error() string { return fmt.Sprintf("Bundle.entry[%d]: %v", e.Index, e.Err) }
func (e *EntryError) Unwrap() error { return e.Err }

// entryError wraps err as the failure of entry i, unless it already is one.
func entryError(i int, err error) error {
	var ee *EntryError
	if errors.As(err, &ee) {
		return err
	}
	return &EntryError{Index: i, Err: err}
}

// Transaction runs every write of items in ONE storage write, so the
// transaction is all or nothing and no other writer sees part of it. Inside
// that write it follows the spec's order (FHIR http.html "Transaction
// Processing Rules"): resolve every identity (new ids, conditional creates,
// updates and patches, conditional references), rewrite the references of
// the items' resources to them, then delete, create, update and patch.
// Reads are the caller's, after the commit. An error an entry caused is an
// *EntryError; once Transaction returns nil, each item's Result is set, and
// one with EffectMatched may still need WaitDurable before it is reported.
func (r *Repository) Transaction(ctx context.Context, items []*TxItem) error {
	order := make([]*TxItem, len(items))
	copy(order, items)
	sort.SliceStable(order, func(a, b int) bool { return actionRank(order[a].Write.Action) < actionRank(order[b].Write.Action) })
	for _, te := range order {
		if te.Write.Resource != nil {
			dropServerOwned(te.Write.Resource)
		}
	}
	if err := r.store.Expecting(func() error { return r.preResolve(order) }); err != nil {
		return err
	}
	_, err := r.store.Write(ctx, func(tx *storage.Tx) error {
		return r.runTransaction(ctx, tx, order)
	})
	if err != nil {
		return StorageError(err, "the transaction")
	}
	return nil
}

// runTransaction is the body of the transaction's write section.
func (r *Repository) runTransaction(ctx context.Context, tx *storage.Tx, order []*TxItem) error {
	ids := map[string]string{} // placeholder fullUrl or conditional reference → Type/id
	targets := map[string]int{}
	for _, te := range order {
		if err := r.resolve(ctx, tx, te); err != nil {
			return entryError(te.Index, err)
		}
		op := te.Write
		if op.ID == "" {
			continue // a conditional delete: its targets are found when it runs
		}
		if isPlaceholder(te.FullURL) {
			ids[te.FullURL] = op.Type + "/" + op.ID
		}
		key := op.Type + "/" + op.ID
		if prev, dup := targets[key]; dup {
			return entryError(te.Index, outcome.BadRequest(outcome.CodeDuplicate, "",
				"entries %d and %d both change %s; a transaction may change a resource once", prev, te.Index, key))
		}
		targets[key] = te.Index
	}
	if err := r.resolveConditionalRefs(ctx, tx, order, ids); err != nil {
		return err
	}
	for _, te := range order {
		if te.Write.Resource != nil && !te.Write.indexed {
			rewriteRefs(te.Write.Resource, ids)
			if te.Write.ID != "" {
				te.Write.Resource.Set("id", fhirjson.NewString(te.Write.ID))
			}
		}
	}
	for _, te := range order {
		res, err := r.runTxWrite(ctx, tx, te)
		if err != nil {
			return entryError(te.Index, err)
		}
		te.Result = res
	}
	return nil
}

// resolve fixes the identity an entry writes to, before anything is written.
func (r *Repository) resolve(ctx context.Context, tx *storage.Tx, te *TxItem) error {
	op := te.Write
	switch op.Action {
	case ActionCreate:
		if op.indexed {
			return nil // identity fixed by preResolve
		}
		if op.IfNoneExist != nil {
			found, err := r.search.Match(ctx, tx, op.Type, op.IfNoneExist)
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
		id, err := r.newID(op.Type)
		if err != nil {
			return err
		}
		op.ID = id
	case ActionUpdate, ActionPatch:
		if op.Cond == nil {
			return nil
		}
		found, err := r.search.Match(ctx, tx, op.Type, op.Cond)
		if err != nil {
			return err
		}
		switch {
		case len(found) > 1:
			return outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
				"the conditional %s matches %d resources; it must match at most one", op.Action, len(found))
		case len(found) == 1:
			if id := op.Resource.Str("id"); op.Resource != nil && id != "" && id != found[0] {
				return outcome.BadRequest(outcome.CodeInvalid, op.Type+".id", "the resource id %q is not the id %q the criteria matched", id, found[0])
			}
			op.ID = found[0]
		case op.Action == ActionPatch:
			return outcome.NotFound("no %s matches the conditional patch", op.Type)
		default:
			if op.ID = op.Resource.Str("id"); op.ID == "" {
				id, err := r.newID(op.Type)
				if err != nil {
					return err
				}
				op.ID = id
			}
		}
		op.Cond = nil
	}
	return nil
}

// resolveConditionalRefs resolves every "Type?criteria" reference of the
// bundle's resources to the one resource it matches.
func (r *Repository) resolveConditionalRefs(ctx context.Context, tx *storage.Tx, order []*TxItem, ids map[string]string) error {
	for _, te := range order {
		if te.Write.Resource == nil {
			continue
		}
		refs := map[string]bool{}
		conditionalRefs(te.Write.Resource, refs)
		for ref := range refs {
			if _, done := ids[ref]; done {
				continue
			}
			typ, q, _ := splitConditional(ref)
			if !r.types[typ] {
				return entryError(te.Index, outcome.BadRequest(outcome.CodeValue, "", "the conditional reference %q names an unknown type", ref))
			}
			found, err := r.search.Match(ctx, tx, typ, q)
			if err != nil {
				return entryError(te.Index, err)
			}
			if len(found) != 1 {
				return entryError(te.Index, outcome.New(http.StatusPreconditionFailed, outcome.CodeMultipleMatch, "",
					"the conditional reference %q matches %d resources; it must match exactly one", ref, len(found)))
			}
			ids[ref] = typ + "/" + found[0]
		}
	}
	return nil
}

// runTxWrite stages one resolved write.
func (r *Repository) runTxWrite(ctx context.Context, tx *storage.Tx, te *TxItem) (Result, error) {
	op := te.Write
	if te.existing != "" {
		rec, err := tx.Get(ctx, op.Type, te.existing)
		if err != nil {
			return Result{}, StorageError(err, op.Type+"/"+te.existing)
		}
		return Result{Effect: EffectMatched, Rec: rec}, nil
	}
	if (op.Action == ActionCreate || op.Action == ActionUpdate) && !op.indexed {
		if err := r.index(op); err != nil {
			return Result{}, err
		}
	}
	return r.exec(ctx, tx, op)
}

// preResolve does the identity work of a transaction before the write
// section when nothing in it depends on the store's state (no ifNoneExist,
// no conditional update, patch or delete, no conditional reference) — the
// common case of a bundle of new resources linked by urn:uuid. Ids are
// assigned, references rewritten and index entries computed here, so the
// serial write section only checks and stages. Otherwise it does nothing
// and runTransaction resolves everything inside the section.
func (r *Repository) preResolve(order []*TxItem) error {
	for _, te := range order {
		op := te.Write
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
	ids, err := r.drawIDs(order)
	if err != nil {
		return err
	}
	for _, te := range order {
		op := te.Write
		if op.Resource == nil {
			continue
		}
		rewriteRefs(op.Resource, ids)
		if err := r.index(op); err != nil {
			return entryError(te.Index, err)
		}
		op.indexed = true
	}
	return nil
}

// drawIDs gives order's creates their new ids (freshID) and returns the
// ids of the placeholders (urn:uuid fullUrls) of order's entries.
func (r *Repository) drawIDs(order []*TxItem) (map[string]string, error) {
	unused, done, err := r.unusedCheck(order)
	if err != nil {
		return nil, err
	}
	defer done()
	ids := map[string]string{}
	for _, te := range order {
		if op := te.Write; op.Action == ActionCreate {
			if err := r.freshIDFrom(op, unused); err != nil {
				return nil, entryError(te.Index, err)
			}
		}
		if op := te.Write; op.ID != "" && isPlaceholder(te.FullURL) {
			ids[te.FullURL] = op.Type + "/" + op.ID
		}
	}
	return ids, nil
}

// unusedCheck returns the check of the new ids of order's creates: none
// when the store's new ids need none, else one Loader's seeks when there
// are several (a Get per id builds and drops an iterator over every level
// of the store each time), else Store.Unused.
func (r *Repository) unusedCheck(order []*TxItem) (func(typ, id string) (bool, error), func(), error) {
	if !r.store.NewIDsNeedCheck() {
		return nil, func() {}, nil
	}
	creates := 0
	for _, te := range order {
		if te.Write.Action == ActionCreate {
			creates++
		}
	}
	if creates < 2 {
		return r.store.Unused, func() {}, nil
	}
	l, err := r.store.NewLoader()
	if err != nil {
		return nil, nil, StorageError(err, "the store")
	}
	// Nor may two creates of the transaction draw the same id.
	drawn := make(map[string]bool, creates)
	unused := func(typ, id string) (bool, error) {
		if drawn[typ+"/"+id] {
			return false, nil
		}
		ok, err := l.Unused(typ, id)
		if ok {
			drawn[typ+"/"+id] = true
		}
		return ok, err
	}
	return unused, func() { _ = l.Close() }, nil
}
