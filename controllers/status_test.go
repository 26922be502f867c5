/*
Copyright 2026 The fhirfleet Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	"context"
	"sync/atomic"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// TestOwnedStatus pins what the operator compares and applies: never the
// aggregator's part, and its own conditions whatever order they are in.
func TestOwnedStatus(t *testing.T) {
	cond := func(typ string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: "R"}
	}
	lag := int64(3)
	withAggregator := fhirv1.FhirEndpointStatus{
		URL:         "https://x/fhir",
		Conditions:  []metav1.Condition{cond(fhirv1.ConditionReady), cond(fhirv1.ConditionAggregated), cond(fhirv1.ConditionAvailable)},
		Aggregation: &fhirv1.AggregationStatus{Cursor: "c", LagSeconds: &lag},
	}
	reordered := fhirv1.FhirEndpointStatus{
		URL:        "https://x/fhir",
		Conditions: []metav1.Condition{cond(fhirv1.ConditionAvailable), cond(fhirv1.ConditionReady)},
	}
	got := ownedStatus(withAggregator)
	if got.Aggregation != nil {
		t.Errorf("ownedStatus kept status.aggregation: %+v", got.Aggregation)
	}
	for _, c := range got.Conditions {
		if c.Type == fhirv1.ConditionAggregated {
			t.Errorf("ownedStatus kept the aggregator's condition")
		}
	}
	if want := ownedStatus(reordered); !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("ownedStatus(%+v) = %+v, want %+v: the order of conditions or the aggregator's part must not count", withAggregator, got, want)
	}
	if withAggregator.Aggregation == nil || len(withAggregator.Conditions) != 3 {
		t.Errorf("ownedStatus changed its argument")
	}
}

// aggregatorManager is the aggregator's field manager (issue 9).
const aggregatorManager = "fhirfleet-aggregator"

// applyAggregatorStatus writes what the aggregator owns, as it does: server-side
// apply on the status subresource under its own field manager.
func applyAggregatorStatus(e *fhirv1.FhirEndpoint, cursor string, lag int64) {
	GinkgoHelper()
	u := &unstructured.Unstructured{Object: map[string]any{
		"status": map[string]any{
			"aggregation": map[string]any{
				"cursor": cursor, "lastSyncTime": "2026-12-01T10:00:00Z", "lagSeconds": lag,
				"accepted": int64(120), "excluded": int64(3), "pending": int64(7),
			},
			"conditions": []any{map[string]any{
				"type": fhirv1.ConditionAggregated, "status": "True", "reason": "Synced",
				"message": "read up to " + cursor, "lastTransitionTime": "2026-12-01T10:00:00Z",
			}},
		},
	}}
	u.SetGroupVersionKind(fhirv1.GroupVersion.WithKind("FhirEndpoint"))
	u.SetName(e.Name)
	u.SetNamespace(e.Namespace)
	Expect(k8sClient.Status().Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(aggregatorManager), client.ForceOwnership)).To(Succeed())
}

// expectAggregatorStatus checks that what the aggregator wrote is all there.
func expectAggregatorStatus(e *fhirv1.FhirEndpoint, cursor string, lag int64) {
	GinkgoHelper()
	cur := &fhirv1.FhirEndpoint{}
	Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(e), cur)).To(Succeed())
	agg := meta.FindStatusCondition(cur.Status.Conditions, fhirv1.ConditionAggregated)
	Expect(agg).NotTo(BeNil(), "the aggregator's condition was erased")
	Expect(agg.Message).To(Equal("read up to " + cursor))
	Expect(cur.Status.Aggregation).NotTo(BeNil(), "status.aggregation was erased")
	Expect(cur.Status.Aggregation.Cursor).To(Equal(cursor))
	Expect(cur.Status.Aggregation.LagSeconds).To(HaveValue(Equal(lag)))
	Expect(cur.Status.Aggregation.Accepted).To(Equal(int64(120)))
}

// staleEndpointReads hands out each FhirEndpoint read once through, then
// lets the aggregator write and makes the copy older than the operator's
// last status: what a reconcile works on when its cache lags both writers.
type staleEndpointReads struct {
	client.Client
	afterRead func(*fhirv1.FhirEndpoint)
	fired     atomic.Bool
}

func (c *staleEndpointReads) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	err := c.Client.Get(ctx, key, obj, opts...)
	if e, ok := obj.(*fhirv1.FhirEndpoint); ok && err == nil && c.fired.CompareAndSwap(false, true) {
		c.afterRead(e)
	}
	return err
}

var _ = Describe("status", func() {
	ctx := context.Background()

	// Issue 9: the operator and the aggregator share status; neither may
	// erase the other's part.
	It("is written by server-side apply under the operator's field manager and keeps the aggregator's part", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "shared", nil))
		Expect(e.Status.InternalURL).To(Equal("http://shared." + ns + ".svc:8080"))
		Expect(e.InternalURL()).To(Equal(e.Status.InternalURL))

		applyAggregatorStatus(e, "c1", 42)
		expectAggregatorStatus(e, "c1", 42)

		By("suspending, which changes the operator's conditions")
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Suspend = true })
		Eventually(condition(e, fhirv1.ConditionSuspended)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonSuspended))
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSuspended))
		expectAggregatorStatus(e, "c1", 42)

		By("resuming, and the aggregator moving on meanwhile")
		applyAggregatorStatus(e, "c2", 5)
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Suspend = false })
		Eventually(condition(e, fhirv1.ConditionSuspended)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonNotSuspended))
		expectAggregatorStatus(e, "c2", 5)

		By("owning only its own fields, under its own manager")
		cur := &fhirv1.FhirEndpoint{}
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(e), cur)).To(Succeed())
		var ours, theirs *metav1.ManagedFieldsEntry
		for i, m := range cur.ManagedFields {
			if m.Subresource != "status" {
				continue
			}
			switch m.Manager {
			case FieldManager:
				ours = &cur.ManagedFields[i]
			case aggregatorManager:
				theirs = &cur.ManagedFields[i]
			}
		}
		Expect(ours).NotTo(BeNil(), "no status fields owned by %s: %+v", FieldManager, cur.ManagedFields)
		Expect(ours.Operation).To(Equal(metav1.ManagedFieldsOperationApply))
		Expect(ours.FieldsV1.GetRawString()).NotTo(ContainSubstring("aggregation"))
		Expect(ours.FieldsV1.GetRawString()).NotTo(ContainSubstring(`"k:{\"type\":\"Aggregated\"}"`))
		Expect(theirs).NotTo(BeNil())
		Expect(theirs.FieldsV1.GetRawString()).To(ContainSubstring(`"k:{\"type\":\"Aggregated\"}"`))

		By("writing nothing at steady state, the aggregator's part notwithstanding")
		Eventually(func() int64 {
			before := writes.writesIn(ns)
			reconcileNow(e)
			return writes.writesIn(ns) - before
		}).Should(BeZero())
	})

	// The aggregator may write between the operator's read and its status
	// write. A status written whole (a merge patch of the conditions list)
	// then drops the aggregator's condition; an apply of the operator's own
	// entries cannot.
	It("keeps the aggregator's condition when the aggregator wrote after the operator's read", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "race", nil))
		stale := &staleEndpointReads{Client: reconciler.Client, afterRead: func(read *fhirv1.FhirEndpoint) {
			applyAggregatorStatus(e, "c1", 9)
			meta.RemoveStatusCondition(&read.Status.Conditions, fhirv1.ConditionReady)
		}}
		r := &FhirEndpointReconciler{Client: stale, APIReader: reconciler.APIReader, Config: reconciler.Config}
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(e)})
		Expect(err).NotTo(HaveOccurred())
		Expect(stale.fired.Load()).To(BeTrue())
		Expect(condition(e, fhirv1.ConditionReady)()).NotTo(BeNil(), "the reconcile wrote its status")
		expectAggregatorStatus(e, "c1", 9)
	})
})
