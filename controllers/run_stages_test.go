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
	"errors"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// TestRunStages pins which failures stop what: none stops a stage that does
// not need the failed one; a blocked stage is not returned as an error; a
// failed child's condition carries the API server's reason.
func TestRunStages(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "services"}, "x", errors.New("no"))
	ok := func(cond string) func(context.Context, *scope) error {
		return func(_ context.Context, s *scope) error {
			setCondition(s, cond, metav1.ConditionTrue, fhirv1.ReasonApplied, "")
			return nil
		}
	}
	fail := func(err error) func(context.Context, *scope) error {
		return func(context.Context, *scope) error { return err }
	}
	block := func(_ context.Context, s *scope) error { return s.block(fhirv1.ReasonSubdomainConflict, "taken") }
	tests := []struct {
		name        string
		stages      []stage[*scope]
		wantApplied bool
		wantErr     bool
		want        map[string]string // condition type -> status/reason
	}{
		{"all succeed", []stage[*scope]{
			{name: "a", condition: "A", run: ok("A")},
			{name: "b", condition: "B", run: ok("B")},
		}, true, false, map[string]string{"A": "True/Applied", "B": "True/Applied"}},
		{"a failure leaves the rest to run", []stage[*scope]{
			{name: "a", condition: "A", run: fail(forbidden)},
			{name: "b", condition: "B", run: ok("B")},
		}, false, true, map[string]string{"A": "False/Forbidden", "B": "True/Applied"}},
		{"an error without a reason", []stage[*scope]{
			{name: "a", condition: "A", run: fail(errors.New("boom"))},
		}, false, true, map[string]string{"A": "False/ApplyFailed"}},
		{"a need that failed skips", []stage[*scope]{
			{name: "a", run: fail(errors.New("boom"))},
			{name: "b", condition: "B", needs: []string{"a"}, run: ok("B")},
			{name: "c", condition: "C", run: ok("C")},
		}, false, true, map[string]string{"B": "False/NotProvisioned", "C": "True/Applied"}},
		{"a need that blocked skips with its reason, and no error", []stage[*scope]{
			{name: "a", run: block},
			{name: "b", condition: "B", needs: []string{"a"}, run: ok("B")},
		}, false, false, map[string]string{"B": "False/SubdomainConflict"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scope{endpoint: &fhirv1.FhirEndpoint{}}
			applied, err := runStages(context.Background(), s, tt.stages)
			if applied != tt.wantApplied || (err != nil) != tt.wantErr {
				t.Fatalf("runStages = %v, %v; want applied %v, error %v", applied, err, tt.wantApplied, tt.wantErr)
			}
			for typ, want := range tt.want {
				c := meta.FindStatusCondition(s.endpoint.Status.Conditions, typ)
				if c == nil || string(c.Status)+"/"+c.Reason != want {
					t.Errorf("%s = %+v, want %s", typ, c, want)
				}
			}
		})
	}
}

func claimSize(e *fhirv1.FhirEndpoint) string {
	pvc := &corev1.PersistentVolumeClaim{}
	Expect(k8sClient.Get(context.Background(), keyOf(e.Namespace, e.DataClaimName()), pvc)).To(Succeed())
	q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	return q.String()
}

var _ = Describe("a failing child", func() {
	ctx := context.Background()

	// Issue 12: on a class without volume expansion a larger spec.storage.size
	// is refused by the API server's PersistentVolumeClaimResize admission on
	// every reconcile; that must not keep the same edit's suspend from scaling
	// the server down, nor a deleted Service from coming back.
	It("does not block the rest: a refused resize and a suspend in one edit", func() {
		ns := newNamespace()
		class := &storagev1.StorageClass{
			ObjectMeta:           metav1.ObjectMeta{Name: "fixed-" + ns},
			Provisioner:          "example.test/fixed",
			AllowVolumeExpansion: ptr.To(false),
		}
		Expect(k8sClient.Create(ctx, class)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, class)).To(Succeed()) })

		e := provision(newEndpoint(ns, "fixed", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Storage.StorageClassName = ptr.To(class.Name)
			e.Spec.Storage.Size = qty("1Gi")
		}))
		bindClaim(e)
		Eventually(condition(e, fhirv1.ConditionStorageReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonApplied))

		update(e, func(e *fhirv1.FhirEndpoint) {
			e.Spec.Storage.Size = qty("2Gi")
			e.Spec.Suspend = true
		})

		By("scaling the server to zero although the volume cannot grow")
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(k8sClient.Get(ctx, keyOf(ns, e.Name), sts)).To(Succeed())
			g.Expect(sts.Spec.Replicas).To(HaveValue(BeZero()))
		}).Should(Succeed())

		By("saying why the volume did not grow, in the API server's words")
		Eventually(condition(e, fhirv1.ConditionStorageReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonResizeRefused))
		c := condition(e, fhirv1.ConditionStorageReady)()
		Expect(c.Message).To(ContainSubstring("storageclass that provisions the pvc must support resize"))
		Expect(claimSize(e)).To(Equal("1Gi"), "a refused resize leaves the claim as it is")
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonResizeRefused))
		Eventually(func() []string { return eventReasons(ns, e.Name) }).Should(ContainElement("Warning/" + fhirv1.ReasonResizeRefused))
		Expect(condition(e, fhirv1.ConditionSuspended)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonSuspended))

		By("repairing a deleted Service meanwhile")
		svc := &corev1.Service{}
		Expect(k8sClient.Get(ctx, keyOf(ns, e.Name), svc)).To(Succeed())
		Expect(k8sClient.Delete(ctx, svc)).To(Succeed())
		Eventually(func(g Gomega) {
			again := &corev1.Service{}
			g.Expect(k8sClient.Get(ctx, keyOf(ns, e.Name), again)).To(Succeed())
			g.Expect(again.UID).NotTo(Equal(svc.UID))
		}).Should(Succeed())
		Expect(condition(e, fhirv1.ConditionServiceReady)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonApplied))

		By("growing the volume once the class allows expansion, with no edit of the endpoint")
		allowExpansion(class)
		Eventually(func() string { return claimSize(e) }).Should(Equal("2Gi"))
		Eventually(condition(e, fhirv1.ConditionStorageReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonApplied))
		Eventually(func() []string { return eventReasons(ns, e.Name) }).Should(ContainElement("Normal/" + fhirv1.ReasonApplied))
	})
})

// allowExpansion lets class expand volumes, as a cluster admin would.
func allowExpansion(class *storagev1.StorageClass) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(context.Background(), keyOf("", class.Name), class); err != nil {
			return err
		}
		class.AllowVolumeExpansion = ptr.To(true)
		return k8sClient.Update(context.Background(), class)
	})).To(Succeed())
}
