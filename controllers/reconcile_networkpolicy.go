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

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// namespaceNameLabel is set by the API server on every namespace, so a
// policy can select a namespace by name without the user labelling it.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// reconcileNetworkPolicy applies the NetworkPolicy <name>: the server pod
// accepts traffic on port 8080 only from the ingress controller's namespace
// and, when aggregation is enabled, from the aggregator's pods
// (aggregatorPeerLabels: app.kubernetes.io/name: fhirfleet-aggregator and
// app.kubernetes.io/component: aggregator, in the aggregator's namespace);
// and on the metrics port 9090 only from the monitoring namespace
// (--metrics-namespace), so neither the ingress controller nor the tenant's
// neighbours read store sizes and feed positions.
func reconcileNetworkPolicy(ctx context.Context, s *scope) error {
	e := s.endpoint
	live := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace}}
	if _, err := applyChild(ctx, s.c, live, desiredNetworkPolicy(s), networkingv1ac.ExtractNetworkPolicy); err != nil {
		return err
	}
	setCondition(s, fhirv1.ConditionNetworkPolicyReady, metav1.ConditionTrue, fhirv1.ReasonApplied, "NetworkPolicy "+e.Name+" admits only the ingress controller, the aggregator and monitoring")
	return nil
}

func desiredNetworkPolicy(s *scope) *networkingv1ac.NetworkPolicyApplyConfiguration {
	e := s.endpoint
	port := func(n int32) *networkingv1ac.NetworkPolicyPortApplyConfiguration {
		return networkingv1ac.NetworkPolicyPort().WithProtocol(corev1.ProtocolTCP).WithPort(intstr.FromInt32(n))
	}
	namespace := func(name string) *metav1ac.LabelSelectorApplyConfiguration {
		return metav1ac.LabelSelector().WithMatchLabels(map[string]string{namespaceNameLabel: name})
	}
	rules := []*networkingv1ac.NetworkPolicyIngressRuleApplyConfiguration{
		networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(namespace(s.cfg.IngressNamespace))).
			WithPorts(port(httpPort)),
	}
	if e.AggregationEnabled() {
		rules = append(rules, networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(networkingv1ac.NetworkPolicyPeer().
				WithNamespaceSelector(namespace(s.cfg.AggregatorNamespace)).
				WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(aggregatorPeerLabels()))).
			WithPorts(port(httpPort)))
	}
	if s.cfg.MetricsNamespace != "" {
		rules = append(rules, networkingv1ac.NetworkPolicyIngressRule().
			WithFrom(networkingv1ac.NetworkPolicyPeer().WithNamespaceSelector(namespace(s.cfg.MetricsNamespace))).
			WithPorts(port(metricsPort)))
	}
	return networkingv1ac.NetworkPolicy(e.Name, e.Namespace).
		WithLabels(childLabels(e)).
		WithOwnerReferences(s.ownerRef()).
		WithSpec(networkingv1ac.NetworkPolicySpec().
			WithPodSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(e))).
			WithPolicyTypes(networkingv1.PolicyTypeIngress).
			WithIngress(rules...))
}
