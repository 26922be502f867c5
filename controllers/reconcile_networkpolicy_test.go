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
	"slices"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("the NetworkPolicy", func() {
	port := []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(8080))}}
	fromIngress := networkingv1.NetworkPolicyIngressRule{
		From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}}},
		Ports: port,
	}
	fromAggregator := networkingv1.NetworkPolicyIngressRule{
		From: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "fhirfleet-system"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "fhirfleet-aggregator", "app.kubernetes.io/component": "aggregator"}},
		}},
		Ports: port,
	}
	fromMonitoring := networkingv1.NetworkPolicyIngressRule{
		From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}},
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(9090))}},
	}

	It("admits only the ingress controller's namespace and the aggregator, and monitoring to the metrics port", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "np", nil))
		np := &networkingv1.NetworkPolicy{}
		fetch(np, ns, "np")
		expectOwnedChild(np, e)
		Expect(np.Spec.PodSelector.MatchLabels).To(Equal(selectorLabels(e)))
		Expect(np.Spec.PolicyTypes).To(ConsistOf(networkingv1.PolicyTypeIngress))
		Expect(np.Spec.Ingress).To(Equal([]networkingv1.NetworkPolicyIngressRule{fromIngress, fromAggregator, fromMonitoring}))
	})

	It("shuts the aggregator out when aggregation is disabled", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "private", nil))
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Aggregation.Enabled = ptr.To(false) })
		np := &networkingv1.NetworkPolicy{}
		Eventually(func() []networkingv1.NetworkPolicyIngressRule {
			fetch(np, ns, "private")
			return np.Spec.Ingress
		}).Should(Equal([]networkingv1.NetworkPolicyIngressRule{fromIngress, fromMonitoring}))
	})
})

func TestNetworkPolicyMetricsRule(t *testing.T) {
	for _, ns := range []string{"", "prometheus"} {
		e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep", Namespace: "acme"}}
		e.Spec.Aggregation.Enabled = ptr.To(false)
		np := desiredNetworkPolicy(&scope{endpoint: e, cfg: Config{IngressNamespace: "ingress-nginx", MetricsNamespace: ns}})
		var metricsFrom []string
		for _, r := range np.Spec.Ingress {
			if r.Ports[0].Port.IntValue() == 9090 {
				metricsFrom = append(metricsFrom, r.From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"])
			} else if r.From[0].NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "ingress-nginx" || r.Ports[0].Port.IntValue() != 8080 {
				t.Errorf("unexpected rule %+v", r)
			}
		}
		want := []string{ns}
		if ns == "" {
			want = nil
		}
		if !slices.Equal(metricsFrom, want) {
			t.Errorf("--metrics-namespace %q: metrics port admits %v, want %v", ns, metricsFrom, want)
		}
	}
}
