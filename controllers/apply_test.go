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

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("server-side apply", func() {
	It("costs no writes at steady state", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "steady", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.5")}
			e.Spec.Ingress.Annotations = map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt"}
			e.Spec.Ingress.TLS = &fhirv1.IngressTLS{SecretName: "steady-tls"}
			e.Spec.Storage.StorageClassName = ptr.To("fast")
		}))
		markServerReady(e, 1)
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonReady))

		// Let the manager's own reconciles (triggered by our status writes) settle first.
		Eventually(func() int64 {
			before := writes.writesIn(ns)
			reconcileNow(e)
			return writes.writesIn(ns) - before
		}).Should(BeZero())
		before := writes.writesIn(ns)
		for range 5 {
			reconcileNow(e)
		}
		Expect(writes.writesIn(ns)-before).To(BeZero(), "five reconciles of an unchanged endpoint wrote to the API server")
		Expect(before).To(BeNumerically(">=", 8), "provisioning must have been counted: finalizer, Secret, five applies, status")
	})

	It("repairs a child that was deleted or edited", func() {
		ns := newNamespace()
		provision(newEndpoint(ns, "drift", nil))
		ctx := context.Background()

		svc := &corev1.Service{}
		fetch(svc, ns, "drift")
		Expect(k8sClient.Delete(ctx, svc)).To(Succeed())
		Eventually(func() []corev1.ServicePort {
			svc := &corev1.Service{}
			if k8sClient.Get(ctx, keyOf(ns, "drift"), svc) != nil || !svc.DeletionTimestamp.IsZero() {
				return nil
			}
			return svc.Spec.Ports
		}).Should(HaveLen(2), "http and metrics")

		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "drift")
		sts.Spec.Replicas = ptr.To[int32](3)
		sts.Spec.Template.Spec.Containers[0].Command = []string{"sh"}
		Expect(k8sClient.Update(ctx, sts)).To(Succeed())
		Eventually(func(g Gomega) {
			fetch(sts, ns, "drift")
			g.Expect(sts.Spec.Replicas).To(Equal(ptr.To[int32](1)))
			g.Expect(sts.Spec.Template.Spec.Containers[0].Command).To(ContainElement("fhirserver"))
		}).Should(Succeed())

		np := &networkingv1.NetworkPolicy{}
		fetch(np, ns, "drift")
		np.Spec.Ingress = nil
		Expect(k8sClient.Update(ctx, np)).To(Succeed())
		Eventually(func() int {
			fetch(np, ns, "drift")
			return len(np.Spec.Ingress)
		}).Should(Equal(3), "ingress controller, aggregator, monitoring")

		ing := &networkingv1.Ingress{}
		fetch(ing, ns, "drift")
		Expect(k8sClient.Delete(ctx, ing)).To(Succeed())
		Eventually(func() string {
			ing := &networkingv1.Ingress{}
			if k8sClient.Get(ctx, keyOf(ns, "drift"), ing) != nil || len(ing.Spec.Rules) == 0 {
				return ""
			}
			return ing.Spec.Rules[0].Host
		}).Should(Equal("acme-drift.fhir.example.test"))
	})
})
