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

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestSchemeRegistersAggregator(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"FhirAggregator", "FhirAggregatorList"} {
		if !scheme.Recognizes(GroupVersion.WithKind(kind)) {
			t.Errorf("scheme does not know %s", kind)
		}
	}
}

func TestAggregatorDeepCopyIsDeep(t *testing.T) {
	lag := int64(5)
	a := &FhirAggregator{
		Spec: FhirAggregatorSpec{
			Namespaces:    []string{"a"},
			Customers:     []AggregatorCustomer{{Name: "acme", PrivacyLabels: []PrivacyLabel{PrivacyLabelGeneralHealth}}},
			PatientAccess: &PatientAccessSpec{Issuer: "https://idp", JWKSSecret: &SecretKeyRef{Name: "k"}, Audience: "aud"},
		},
		Status: FhirAggregatorStatus{WorstLagSeconds: &lag},
	}
	c := a.DeepCopy()
	if !equality.Semantic.DeepEqual(a, c) {
		t.Fatal("copy differs from the original")
	}
	c.Spec.Namespaces[0] = "b"
	c.Spec.Customers[0].PrivacyLabels[0] = PrivacyLabelSocialCare
	c.Spec.PatientAccess.JWKSSecret.Name = "other"
	*c.Status.WorstLagSeconds = 9
	if a.Spec.Namespaces[0] != "a" || a.Spec.Customers[0].PrivacyLabels[0] != PrivacyLabelGeneralHealth ||
		a.Spec.PatientAccess.JWKSSecret.Name != "k" || *a.Status.WorstLagSeconds != 5 {
		t.Error("changing the copy changed the original")
	}
}
