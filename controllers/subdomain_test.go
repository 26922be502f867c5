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
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestClaimsBefore(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(time.Second))
	ep := func(ns, name string, ts metav1.Time) *fhirv1.FhirEndpoint {
		return &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: ts}}
	}
	tests := []struct {
		name string
		a, b *fhirv1.FhirEndpoint
		want bool
	}{
		{"older wins", ep("z", "z", t0), ep("a", "a", t1), true},
		{"newer loses", ep("a", "a", t1), ep("z", "z", t0), false},
		{"same second: namespace", ep("a", "z", t0), ep("b", "a", t0), true},
		{"same second and namespace: name", ep("a", "b", t0), ep("a", "a", t0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := claimsBefore(tt.a, tt.b); got != tt.want {
				t.Errorf("claimsBefore = %v, want %v", got, tt.want)
			}
		})
	}
	if got := indexSubdomain(ep("a", "b", t0)); len(got) != 1 || got[0] != "-" {
		t.Errorf("indexSubdomain of an empty spec = %v", got)
	}
	if got := indexSubdomain(&fhirv1.FhirAggregator{}); len(got) != 1 || got[0] != "aggregated" {
		t.Errorf("indexSubdomain of an aggregator = %v, want its default", got)
	}
	// An endpoint and an aggregator of one namespace and name, in one second:
	// exactly one of them wins.
	x := ep("a", "a", t0)
	x.UID = "1"
	y := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "a", CreationTimestamp: t0, UID: "2"}}
	if !claimsBefore(x, y) || claimsBefore(y, x) {
		t.Errorf("claimsBefore does not decide between two kinds alike but for the UID")
	}
}

var _ = Describe("a subdomain conflict", func() {
	ctx := context.Background()

	It("leaves the later endpoint unprovisioned until the host is free", func() {
		nsA, nsB := newNamespace(), newNamespace()
		first := provision(newEndpoint(nsA, "first", func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "shared" }))
		// Creation timestamps have one-second resolution: make the order unambiguous.
		time.Sleep(1100 * time.Millisecond)
		second := newEndpoint(nsB, "second", func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "shared" })
		Expect(k8sClient.Create(ctx, second)).To(Succeed())

		Eventually(condition(second, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSubdomainConflict))
		Expect(condition(second, fhirv1.ConditionReady)().Message).To(ContainSubstring(nsA + "/first"))
		Consistently(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(nsB, "second-credentials"), &corev1.Secret{})) &&
				apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(nsB, "second"), &appsv1.StatefulSet{})) &&
				apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(nsB, "second"), &networkingv1.Ingress{}))
		}, "1s").Should(BeTrue())
		fetch(second, nsB, "second")
		Expect(second.Status.URL).To(BeEmpty())
		Expect(condition(first, fhirv1.ConditionIngressReady)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonApplied))

		// The holder moves away: the waiting endpoint takes the host.
		update(first, func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "elsewhere" })
		fetch(&appsv1.StatefulSet{}, nsB, "second")
		ing := &networkingv1.Ingress{}
		fetch(ing, nsB, "second")
		Expect(ing.Spec.Rules[0].Host).To(Equal("shared.fhir.example.test"))
		Eventually(func() string {
			fetch(second, nsB, "second")
			return second.Status.URL
		}).Should(Equal("https://shared.fhir.example.test/fhir"))
	})

	It("takes the host away from a provisioned endpoint when an older one claims it", func() {
		ns := newNamespace()
		older := provision(newEndpoint(ns, "older", nil))
		time.Sleep(1100 * time.Millisecond)
		newer := provision(newEndpoint(ns, "newer", func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "prized" }))
		fetch(&networkingv1.Ingress{}, ns, "newer")

		update(older, func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "prized" })
		Eventually(condition(newer, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSubdomainConflict))
		Eventually(func() bool {
			ing := &networkingv1.Ingress{}
			err := k8sClient.Get(ctx, keyOf(ns, "newer"), ing)
			return apierrors.IsNotFound(err) || (err == nil && !ing.DeletionTimestamp.IsZero())
		}).Should(BeTrue(), "only the holder's Ingress may route the host")
		// Its data stays.
		fetch(&corev1.PersistentVolumeClaim{}, ns, "newer-data")
	})

	// Endpoints and aggregators share one host namespace. No sleep needed
	// to order the claims: a claim made in the same second is decided by
	// namespace, and the namespaces here sort the way the creations go.
	It("is found between an aggregator and an endpoint, whichever came first", func() {
		home := aggregatorHome()
		early := newNamespace() // fhe-..., before fhirfleet-system
		holder := provision(newEndpoint(early, "holder", func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "clash-" + early }))
		a := newAggregator(home, "agg-late", func(a *fhirv1.FhirAggregator) { a.Spec.Subdomain = "clash-" + early })
		Expect(k8sClient.Create(ctx, a)).To(Succeed())
		Eventually(aggregatorCondition(a, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSubdomainConflict))
		Expect(aggregatorCondition(a, fhirv1.ConditionReady)().Message).To(ContainSubstring("FhirEndpoint " + early + "/holder"))
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(home, a.Name), &appsv1.StatefulSet{}))).To(BeTrue())

		By("taking the host once the endpoint moves away")
		update(holder, func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "moved-" + early })
		ing := &networkingv1.Ingress{}
		fetch(ing, home, a.Name)
		Expect(ing.Spec.Rules[0].Host).To(Equal("clash-" + early + ".fhir.example.test"))

		By("holding it against a later endpoint")
		late := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "zz-"}} // after fhirfleet-system
		Expect(k8sClient.Create(ctx, late)).To(Succeed())
		e := newEndpoint(late.Name, "late", func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "clash-" + early })
		Expect(k8sClient.Create(ctx, e)).To(Succeed())
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSubdomainConflict))
		Expect(condition(e, fhirv1.ConditionReady)().Message).To(ContainSubstring("FhirAggregator " + home + "/agg-late"))
		Expect(apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(late.Name, "late"), &networkingv1.Ingress{}))).To(BeTrue())
	})
})
