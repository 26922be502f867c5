package registration

import (
	"context"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// MaxReadReceiptQuery is the most documentIdentifiers of one
// $read-receipt-query.
const MaxReadReceiptQuery = 5000

// readReceiptQuery is POST DocumentReference/$read-receipt-query: one
// readReceipt per documentIdentifier, in order — read or not and when.
// Only documents the caller contributed (their source-organization label
// names it) answer; any other identifier answers read=false and nothing
// else, like one of no document.
func (s *Service) readReceiptQuery(ctx context.Context, in *fhirjson.Value) (*fhirjson.Value, error) {
	who, err := customer(ctx, "read-receipt-query")
	if err != nil {
		return nil, err
	}
	ids, err := identifiers(in, "documentIdentifier", MaxReadReceiptQuery)
	if err != nil {
		return nil, err
	}
	view := s.policy.View(who)
	out := make([]*fhirjson.Value, len(ids))
	err = each(ctx, len(ids), func(ctx context.Context, i int) error {
		rr, err := s.receiptOf(ctx, view, who.Customer, ids[i])
		out[i] = rr
		return err
	})
	if err != nil {
		return nil, err
	}
	return parameters(out), nil
}

// receiptOf is the readReceipt of one identifier.
func (s *Service) receiptOf(ctx context.Context, view *access.View, customer string, id identifier) (*fhirjson.Value, error) {
	parts := []*fhirjson.Value{part("documentIdentifier", "valueIdentifier", id.value())}
	doc, err := s.findVisible(ctx, view, "DocumentReference", id)
	if err != nil {
		return nil, err
	}
	var r *receipt
	if doc != nil && contributedBy(doc, customer) {
		if r, err = s.readAt(doc.Str("id")); err != nil {
			return nil, err
		}
	}
	parts = append(parts, part("read", "valueBoolean", fhirjson.NewBool(r != nil)))
	if r != nil {
		parts = append(parts, part("readAt", "valueDateTime", fhirjson.NewString(r.At.Format(time.RFC3339Nano))))
	}
	return group("readReceipt", parts...), nil
}

// contributedBy reports whether the merged resource carries the
// customer's source-organization label, which the pipeline sets from the
// sources that contributed it.
func contributedBy(res *fhirjson.Value, customer string) bool {
	meta := res.Get("meta")
	if meta == nil {
		return false
	}
	sec := meta.Get("security")
	if sec == nil || sec.Kind != fhirjson.Array {
		return false
	}
	for _, c := range sec.Items {
		if c.Str("system") == rules.SourceOrganizationSystem && c.Str("code") == customer {
			return true
		}
	}
	return false
}
