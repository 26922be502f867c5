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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The aggregator's Service is built by the FhirEndpoint's builder: the same ports.
func TestAggregatorServiceShape(t *testing.T) {
	a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: "ops"}}
	s := &aggregatorScope{aggregator: a}
	svc := serviceFor(a.Name, a.Namespace, aggregatorChildLabels(a), s.ownerRef(), aggregatorSelectorLabels(a))
	if len(svc.Spec.Ports) != 2 || *svc.Spec.Ports[0].Port != 8080 || *svc.Spec.Ports[1].Port != 9090 {
		t.Errorf("ports = %+v", svc.Spec.Ports)
	}
}
