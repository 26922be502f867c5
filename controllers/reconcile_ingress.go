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
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	networkingv1ac "k8s.io/client-go/applyconfigurations/networking/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// ingressChild is a workload's Ingress as its reconciler asks for it: the
// FhirEndpoint's and the FhirAggregator's are both built by applyIngress.
type ingressChild struct {
	name, namespace string
	labels          map[string]string
	owner           *metav1ac.OwnerReferenceApplyConfiguration
	host            string
	spec            fhirv1.IngressSpec
	// annotations are the spec's annotations the policy allows.
	annotations map[string]string
}

// reconcileIngress applies the Ingress <name> routing https://<host>/fhir,
// /oauth2 and /.well-known to the Service's http port, and nothing else: the
// server's health and metrics are not public.
func reconcileIngress(ctx context.Context, s *scope) error {
	return applyIngress(ctx, s, s.c, s.cfg, s.ingressChild())
}

func (s *scope) ingressChild() ingressChild {
	e := s.endpoint
	return ingressChild{name: e.Name, namespace: e.Namespace, labels: childLabels(e), owner: s.ownerRef(),
		host: s.host, spec: e.Spec.Ingress, annotations: s.ingressAnnotations}
}

// applyIngress applies in and reports it in IngressReady: True once
// applied; the message carries the address once the ingress controller has
// published one (not every controller does, so Ready does not wait for it).
func applyIngress(ctx context.Context, s reporter, c client.Client, cfg Config, in ingressChild) error {
	live := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: in.name, Namespace: in.namespace}}
	found, err := applyChild(ctx, c, live, desiredIngress(cfg, in), networkingv1ac.ExtractIngress)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Ingress %s routes %s", in.name, in.host)
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

func desiredIngress(cfg Config, in ingressChild) *networkingv1ac.IngressApplyConfiguration {
	rule := networkingv1ac.HTTPIngressRuleValue()
	for _, p := range publicPaths() {
		rule.WithPaths(networkingv1ac.HTTPIngressPath().
			WithPath(p).
			WithPathType(networkingv1.PathTypePrefix).
			WithBackend(networkingv1ac.IngressBackend().
				WithService(networkingv1ac.IngressServiceBackend().
					WithName(in.name).
					WithPort(networkingv1ac.ServiceBackendPort().WithName(httpPortName)))))
	}
	spec := networkingv1ac.IngressSpec().
		WithRules(networkingv1ac.IngressRule().WithHost(in.host).WithHTTP(rule))
	className := cfg.IngressClass
	if in.spec.ClassName != nil {
		className = *in.spec.ClassName
	}
	if className != "" {
		spec.WithIngressClassName(className)
	}
	tlsSecret := cfg.DefaultTLSSecret
	if in.spec.TLS != nil {
		tlsSecret = in.spec.TLS.SecretName
	}
	if tlsSecret != "" {
		spec.WithTLS(networkingv1ac.IngressTLS().WithHosts(in.host).WithSecretName(tlsSecret))
	}
	ing := networkingv1ac.Ingress(in.name, in.namespace).
		WithLabels(in.labels).
		WithOwnerReferences(in.owner).
		WithSpec(spec)
	if len(in.annotations) > 0 {
		ing.WithAnnotations(in.annotations)
	}
	return ing
}

// publicPaths are what the Ingress routes (pathType Prefix, so /fhir covers
// /fhir/Patient but not /fhirx): the FHIR API, the token endpoint and
// discovery documents.
func publicPaths() []string { return []string{"/fhir", "/oauth2", "/.well-known"} }
