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

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestCheckAggregatorPolicy(t *testing.T) {
	cfg := Config{
		AggregatorNamespace:            "fhirfleet-system",
		AggregatorImage:                "reg/aggregator:1",
		AllowedAggregatorImagePrefixes: []string{"reg/aggregator"},
		AllowedIngressAnnotations:      []string{"cert-manager.io/cluster-issuer"},
	}
	tests := []struct {
		name       string
		namespace  string
		spec       fhirv1.FhirAggregatorSpec
		wantReason string
		wantImage  string
	}{
		{"accepted", "fhirfleet-system", fhirv1.FhirAggregatorSpec{}, fhirv1.ReasonAccepted, "reg/aggregator:1"},
		{"another tag of the image", "fhirfleet-system", fhirv1.FhirAggregatorSpec{Image: "reg/aggregator:2"}, fhirv1.ReasonAccepted, "reg/aggregator:2"},
		{"a foreign image", "fhirfleet-system", fhirv1.FhirAggregatorSpec{Image: "evil/aggregator:1"}, fhirv1.ReasonImageRefused, "reg/aggregator:1"},
		{"the fhirserver image is not the aggregator's", "fhirfleet-system", fhirv1.FhirAggregatorSpec{Image: "reg/fhirserver:1"}, fhirv1.ReasonImageRefused, "reg/aggregator:1"},
		{"a snippet", "fhirfleet-system", fhirv1.FhirAggregatorSpec{Ingress: fhirv1.IngressSpec{Annotations: map[string]string{"nginx.ingress.kubernetes.io/server-snippet": "x"}}}, fhirv1.ReasonAnnotationsRefused, "reg/aggregator:1"},
		{"another namespace", "tenant", fhirv1.FhirAggregatorSpec{}, fhirv1.ReasonNamespaceNotAdmitted, "reg/aggregator:1"},
		{"another namespace and a foreign image", "tenant", fhirv1.FhirAggregatorSpec{Image: "evil/x"}, fhirv1.ReasonImageRefused, "reg/aggregator:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: tt.namespace}, Spec: tt.spec}
			s := &aggregatorScope{aggregator: a, cfg: cfg}
			if err := checkAggregatorPolicy(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			c := meta.FindStatusCondition(a.Status.Conditions, fhirv1.ConditionSpecAccepted)
			if c == nil || c.Reason != tt.wantReason {
				t.Fatalf("SpecAccepted = %+v, want reason %s", c, tt.wantReason)
			}
			if got := aggregatorImage(s); got != tt.wantImage {
				t.Errorf("image = %q, want %q", got, tt.wantImage)
			}
			if len(s.ingressAnnotations) != 0 {
				t.Errorf("annotations kept: %v", s.ingressAnnotations)
			}
		})
	}
}
