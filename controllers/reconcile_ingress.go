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
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// reconcileIngress applies the Ingress <name> routing https://<host>/fhir,
// /oauth2 and /.well-known to the Service's http port, and nothing else: the
// server's health and metrics are not public. IngressReady says the Ingress is applied; the message carries the
// address once the ingress controller has published one (not every
// controller does, so Ready does not wait for it).
func reconcileIngress(ctx context.Context, s *scope) error {
	e := s.endpoint
	live := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace}}
	found, err := applyChild(ctx, s, live, desiredIngress(s), networkingv1ac.ExtractIngress)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Ingress %s routes %s", e.Name, s.host)
	if lbs := live.Status.LoadBalancer.Ingress; found && len(lbs) > 0 {
		addr := lbs[0].IP
		if lbs[0].Hostname != "" {
			addr = lbs[0].Hostname
		}
		msg += " at " + addr
	}
	setCondition(s, fhirv1.ConditionIngressReady, metav1.ConditionTrue, fhirv1.ReasonApplied, msg)
	return nil
}

func desiredIngress(s *scope) *networkingv1ac.IngressApplyConfiguration {
	e := s.endpoint
	rule := networkingv1ac.HTTPIngressRuleValue()
	for _, p := range publicPaths() {
		rule.WithPaths(networkingv1ac.HTTPIngressPath().
			WithPath(p).
			WithPathType(networkingv1.PathTypePrefix).
			WithBackend(networkingv1ac.IngressBackend().
				WithService(networkingv1ac.IngressServiceBackend().
					WithName(e.Name).
					WithPort(networkingv1ac.ServiceBackendPort().WithName(httpPortName)))))
	}
	spec := networkingv1ac.IngressSpec().
		WithRules(networkingv1ac.IngressRule().WithHost(s.host).WithHTTP(rule))
	className := s.cfg.IngressClass
	if e.Spec.Ingress.ClassName != nil {
		className = *e.Spec.Ingress.ClassName
	}
	if className != "" {
		spec.WithIngressClassName(className)
	}
	tlsSecret := s.cfg.DefaultTLSSecret
	if e.Spec.Ingress.TLS != nil {
		tlsSecret = e.Spec.Ingress.TLS.SecretName
	}
	if tlsSecret != "" {
		spec.WithTLS(networkingv1ac.IngressTLS().WithHosts(s.host).WithSecretName(tlsSecret))
	}
	ing := networkingv1ac.Ingress(e.Name, e.Namespace).
		WithLabels(childLabels(e)).
		WithOwnerReferences(s.ownerRef()).
		WithSpec(spec)
	if len(s.ingressAnnotations) > 0 {
		ing.WithAnnotations(s.ingressAnnotations)
	}
	return ing
}

// publicPaths are what the Ingress routes (pathType Prefix, so /fhir covers
// /fhir/Patient but not /fhirx): the FHIR API, the token endpoint and
// discovery documents.
func publicPaths() []string { return []string{"/fhir", "/oauth2", "/.well-known"} }
