package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/repository"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// reportAggOutcomes: POST /fhir/$aggregation-outcome with a Parameters of
// outcomes (parseAggOutcomes). Only the aggregator client may call it: the
// right comes with its role, and the customer, whatever its scopes, gets a
// 403. Each resource keeps the latest outcome reported (an outcome for an
// older version than the one on record is dropped: reports may arrive out
// of order), and the status index moves with it in the same batch.
func (h *Handler) reportAggOutcomes(c *call, _ route) error {
	if err := h.allowAggregator(c); err != nil {
		return err
	}
	p, err := h.readResource(c, "Parameters")
	if err != nil {
		return err
	}
	list, err := parseAggOutcomes(p, h.repo.IsType)
	if err != nil {
		return err
	}
	now := h.now()
	kept := 0
	_, err = h.store.Write(c.ctx, func(tx *storage.Tx) error {
		kept = 0
		for _, o := range list {
			data, found, err := h.aggOutcomes.GetTx(tx, o.key(), now)
			if err != nil {
				return err
			}
			if found {
				old, err := decodeAggOutcome(o.key(), data)
				if err != nil {
					return err
				}
				if old.VersionID > o.VersionID {
					continue
				}
				if err := h.aggByStatus.Delete(tx, old.statusKey()); err != nil {
					return err
				}
			}
			data, err = json.Marshal(o)
			if err != nil {
				return err
			}
			if err := h.aggOutcomes.Put(tx, o.key(), data, time.Time{}); err != nil {
				return err
			}
			if err := h.aggByStatus.Put(tx, o.statusKey(), nil, time.Time{}); err != nil {
				return err
			}
			kept++
		}
		return nil
	})
	if err != nil {
		return repository.StorageError(err, "the aggregation outcomes")
	}
	c.writeValue(http.StatusOK, infoOutcome(fmt.Sprintf(
		"%d of %d outcomes stored (the others are for older versions than those on record)", kept, len(list))))
	return nil
}

// allowAggregator admits the aggregator client only. Without
// authorization configured (unit tests) everything is allowed, as in allow.
func (h *Handler) allowAggregator(c *call) error {
	p, ok := auth.PrincipalFrom(c.ctx)
	switch {
	case !ok && h.auth == nil:
		return nil
	case !ok:
		return outcome.New(http.StatusUnauthorized, outcome.CodeLogin, "", "no access token")
	case !p.Aggregator:
		return outcome.New(http.StatusForbidden, outcome.CodeForbidden, "",
			"only the endpoint's aggregator client may report aggregation outcomes")
	}
	return nil
}

// readAggOutcome: GET /fhir/Type/id/$aggregation-outcome — the outcome of
// the resource's current version, as the resource's read sees it (404
// when it does not exist, 410 when deleted); needs read on the type.
func (h *Handler) readAggOutcome(c *call, rt route) error {
	if err := h.allow(c.ctx, auth.InteractionRead, rt.Type); err != nil {
		return err
	}
	rec, err := h.reads.Read(c.ctx, rt.Type, rt.ID)
	if err != nil {
		return err
	}
	if rec.Deleted {
		return repository.Gone(rt.Type, rt.ID)
	}
	key := rt.Type + "/" + rt.ID
	data, found, err := h.aggOutcomes.Get(key, h.now())
	if err != nil {
		return repository.StorageError(err, "the aggregation outcome")
	}
	var o *aggOutcome
	if found {
		if o, err = decodeAggOutcome(key, data); err != nil {
			return repository.StorageError(err, "the aggregation outcome")
		}
	}
	c.writeValue(http.StatusOK, o.resource(rt.Type, rt.ID, rec.VersionID))
	return nil
}

// listAggOutcomes: GET /fhir/$aggregation-outcome?outcome=&_count=&_cursor=
// — the resources whose latest reported outcome has that status, a
// searchset Bundle of their OperationOutcomes (each entry's fullUrl is
// where that resource's outcome is read), in Type/id order, paged by an
// opaque cursor in the next link. Needs read on the whole system; a
// read policy applies as to $changes.
func (h *Handler) listAggOutcomes(c *call, _ route) error {
	if err := h.allow(c.ctx, auth.InteractionRead, ""); err != nil {
		return err
	}
	status := first(c.query, "outcome")
	if !validAggStatus(status) {
		return outcome.BadRequest(outcome.CodeValue, "", "parameter outcome must be accepted, excluded or pending, not %q", status)
	}
	count, err := pageSize(c.query)
	if err != nil {
		return err
	}
	cursor := first(c.query, "_cursor")
	after := ""
	if cursor != "" {
		after = status + "/" + cursor
	}
	now := h.now()
	keys, err := h.aggByStatus.Scan(status+"/", after, count+1, now)
	if err != nil {
		return repository.StorageError(err, "the aggregation outcomes")
	}
	b := &bundle{Type: "searchset", Total: -1}
	b.Links = append(b.Links, link{"self", h.selfURL(c, nil)})
	if len(keys) > count {
		keys = keys[:count]
		last := strings.TrimPrefix(keys[len(keys)-1].Key, status+"/")
		b.Links = append(b.Links, link{"next", h.selfURL(c, url.Values{"_cursor": {last}})})
	}
	for _, k := range keys {
		key := strings.TrimPrefix(k.Key, status+"/")
		data, found, err := h.aggOutcomes.Get(key, now)
		if err != nil {
			return repository.StorageError(err, "the aggregation outcomes")
		}
		if !found {
			continue // replaced between the scan and this read
		}
		o, err := decodeAggOutcome(key, data)
		if err != nil {
			return repository.StorageError(err, "the aggregation outcomes")
		}
		if o.Status != status {
			continue
		}
		if h.policed {
			// A resource the read policy hides is left out, as from
			// $changes: its outcome would tell that it exists.
			_, err := h.reads.Read(c.ctx, o.Type, o.ID)
			if oe, ok := outcome.As(err); ok && oe.Status == http.StatusNotFound {
				continue
			}
			if err != nil {
				return err
			}
		}
		b.Entries = append(b.Entries, bundleEntry{
			FullURL:  h.resourceURL(o.Type, o.ID) + "/" + opAggOutcome,
			Resource: o.resource(o.Type, o.ID, o.VersionID),
		})
	}
	return c.sendBundle(b)
}
