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

package v1alpha1

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAggregatorHelpers(t *testing.T) {
	a := &FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg"}}
	if got := a.EffectiveSubdomain(); got != "aggregated" {
		t.Errorf("default subdomain = %q", got)
	}
	a.Spec.Subdomain = "all"
	if got := a.EffectiveSubdomain(); got != "all" {
		t.Errorf("subdomain = %q", got)
	}
	for name, got := range map[string]string{
		"agg-data":                  a.DataClaimName(),
		"agg-signing-key":           a.SigningKeySecretName(),
		"agg-client-acme":           a.ClientSecretName("acme"),
		"10Gi":                      func() string { q := a.Spec.Storage.EffectiveSize(); return q.String() }(),
		"jwks.json":                 (&SecretKeyRef{Name: "s"}).EffectiveKey(),
		"P9":                        string((&PatientAccessSpec{}).EffectiveMinimumProofingLevel()),
		"P5":                        string((&PatientAccessSpec{MinimumProofingLevel: "P5"}).EffectiveMinimumProofingLevel()),
		"k":                         (&SecretKeyRef{Name: "s", Key: "k"}).EffectiveKey(),
		"":                          AggregatorCustomer{Name: "acme"}.PrivacyLabelsValue(),
		"MENTAL_HEALTH,SOCIAL_CARE": AggregatorCustomer{PrivacyLabels: []PrivacyLabel{PrivacyLabelSocialCare, PrivacyLabelMentalHealth, PrivacyLabelSocialCare}}.PrivacyLabelsValue(),
	} {
		if got != name {
			t.Errorf("got %q, want %q", got, name)
		}
	}
}

func TestAggregatorFollows(t *testing.T) {
	tests := []struct {
		namespaces []string
		ns         string
		want       bool
	}{
		{nil, "any", true},
		{[]string{"a", "b"}, "b", true},
		{[]string{"a", "b"}, "c", false},
	}
	for _, tt := range tests {
		a := &FhirAggregator{Spec: FhirAggregatorSpec{Namespaces: tt.namespaces}}
		if got := a.Follows(tt.ns); got != tt.want {
			t.Errorf("Follows(%q) with %v = %v, want %v", tt.ns, tt.namespaces, got, tt.want)
		}
	}
}
