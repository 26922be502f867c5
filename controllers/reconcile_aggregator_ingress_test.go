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

// The aggregator's Ingress is built by the FhirEndpoint's builder: the same
// paths, class and TLS rules, on its own host.
func TestAggregatorIngressShape(t *testing.T) {
	a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: "ops"}}
	s := &aggregatorScope{aggregator: a}
	in := ingressChild{name: a.Name, namespace: a.Namespace, owner: s.ownerRef(), host: "aggregated.example.test",
		spec: fhirv1.IngressSpec{TLS: &fhirv1.IngressTLS{SecretName: "agg-tls"}}}
	ing := desiredIngress(Config{IngressClass: "nginx"}, in)
	if *ing.Spec.Rules[0].Host != "aggregated.example.test" || *ing.Spec.TLS[0].SecretName != "agg-tls" || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingress = %+v", ing.Spec)
	}
	if len(ing.Spec.Rules[0].HTTP.Paths) != len(publicPaths()) {
		t.Errorf("paths = %d, want the public ones", len(ing.Spec.Rules[0].HTTP.Paths))
	}
}
