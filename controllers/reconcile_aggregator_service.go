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
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// reconcileAggregatorService applies the Service <name> (http 8080, metrics
// 9090), the Ingress's backend and the StatefulSet's governing Service.
func reconcileAggregatorService(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	live := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: a.Name, Namespace: a.Namespace}}
	desired := serviceFor(a.Name, a.Namespace, aggregatorChildLabels(a), s.ownerRef(), aggregatorSelectorLabels(a))
	if _, err := applyChild(ctx, s.c, live, desired, corev1ac.ExtractService); err != nil {
		return err
	}
	setCondition(s, fhirv1.ConditionServiceReady, metav1.ConditionTrue, fhirv1.ReasonApplied, "Service "+a.Name+" is applied")
	return nil
}
