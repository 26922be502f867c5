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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// reconcileService applies the ClusterIP Service <name> in front of the server
// pod, port 8080 "http": the Ingress's backend and the aggregator's address
// (http://<name>.<namespace>.svc:8080, status.internalURL), and the StatefulSet's governing
// Service; and port 9090 "metrics" for Prometheus, which no Ingress routes to.
func reconcileService(ctx context.Context, s *scope) error {
	e := s.endpoint
	live := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: e.Namespace}}
	if _, err := applyChild(ctx, s.c, live, desiredService(s), corev1ac.ExtractService); err != nil {
		return err
	}
	e.Status.InternalURL = e.InternalURL()
	setCondition(s, fhirv1.ConditionServiceReady, metav1.ConditionTrue, fhirv1.ReasonApplied, "Service "+e.Name+" serves "+e.Status.InternalURL)
	return nil
}

func desiredService(s *scope) *corev1ac.ServiceApplyConfiguration {
	e := s.endpoint
	return serviceFor(e.Name, e.Namespace, childLabels(e), s.ownerRef(), selectorLabels(e))
}

// serviceFor is a ClusterIP Service in front of a workload's http (8080)
// and metrics (9090) ports: the fhirserver's and the aggregator's, which
// listen on the same ones.
func serviceFor(name, namespace string, labels map[string]string, owner *metav1ac.OwnerReferenceApplyConfiguration, selector map[string]string) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(name, namespace).
		WithLabels(labels).
		WithOwnerReferences(owner).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(selector).
			WithPorts(
				corev1ac.ServicePort().
					WithName(httpPortName).
					WithProtocol(corev1.ProtocolTCP).
					WithPort(httpPort).
					WithTargetPort(intstr.FromString(httpPortName)),
				corev1ac.ServicePort().
					WithName(metricsPortName).
					WithProtocol(corev1.ProtocolTCP).
					WithPort(metricsPort).
					WithTargetPort(intstr.FromString(metricsPortName))))
}
