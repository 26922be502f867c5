package kubesource

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// park marks an endpoint the aggregator no longer follows (disabled, its
// Secret or its URL gone) and, if the aggregator ever reported on it, turns
// its Aggregated condition False with why: left alone, the last report of
// the follower (True, Following, some lag) would stand for good and say the
// endpoint is still aggregated. status.aggregation keeps its cursor and
// counts (the data stays aggregated) but loses lagSeconds, which means
// nothing for a feed not read. e is the endpoint as cached; nothing is
// written when its condition already says so, so a steady state costs no
// write.
func (k *statusSink) park(ctx context.Context, e *fhirv1.FhirEndpoint, why notFollowed) error {
	name := e.Namespace + "/" + e.Name
	defer k.lock(name)()
	k.mu.Lock()
	k.parked[name] = true
	delete(k.last, name)
	k.mu.Unlock()

	cur := meta.FindStatusCondition(e.Status.Conditions, fhirv1.ConditionAggregated)
	if cur == nil {
		return nil
	}
	if cur.Status == metav1.ConditionFalse && cur.Reason == why.reason && cur.Message == why.message {
		return nil
	}
	a := applied{
		aggregation: parkedAggregation(e.Status.Aggregation),
		condition:   conditionOf(source.State{Reason: why.reason, Message: why.message}, *cur, k.now()),
	}
	err := k.apply(ctx, types.NamespacedName{Namespace: e.Namespace, Name: e.Name}, a)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// parkedAggregation is what status.aggregation keeps on a parked endpoint:
// all but the lag (nil when there is none).
func parkedAggregation(a *fhirv1.AggregationStatus) map[string]any {
	if a == nil {
		return nil
	}
	out := map[string]any{"accepted": a.Accepted, "excluded": a.Excluded, "pending": a.Pending}
	if a.Cursor != "" {
		out["cursor"] = a.Cursor
	}
	if a.LastSyncTime != nil {
		out["lastSyncTime"] = a.LastSyncTime.UTC().Format(time.RFC3339)
	}
	return out
}

// keepParked forgets the parked endpoints not in existing (deleted ones).
func (k *statusSink) keepParked(existing map[string]bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for name := range k.parked {
		if !existing[name] {
			delete(k.parked, name)
		}
	}
}
