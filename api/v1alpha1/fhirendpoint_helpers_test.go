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

	"k8s.io/apimachinery/pkg/api/resource"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestHelpers(t *testing.T) {
	no := false
	tests := []struct {
		name          string
		spec          FhirEndpointSpec
		wantSubdomain string
		wantAgg       bool
		wantPolicy    DeletionPolicy
	}{
		{"defaults", FhirEndpointSpec{Customer: "acme", Feed: "labs"}, "acme-labs", true, DeletionPolicyRetain},
		{"explicit", FhirEndpointSpec{Customer: "acme", Feed: "labs", Subdomain: "x", Aggregation: AggregationSpec{Enabled: &no}, DeletionPolicy: DeletionPolicyDelete}, "x", false, DeletionPolicyDelete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep"}, Spec: tt.spec}
			if got := e.EffectiveSubdomain(); got != tt.wantSubdomain {
				t.Errorf("EffectiveSubdomain() = %q, want %q", got, tt.wantSubdomain)
			}
			if got := e.AggregationEnabled(); got != tt.wantAgg {
				t.Errorf("AggregationEnabled() = %v, want %v", got, tt.wantAgg)
			}
			if got := e.EffectiveDeletionPolicy(); got != tt.wantPolicy {
				t.Errorf("EffectiveDeletionPolicy() = %q, want %q", got, tt.wantPolicy)
			}
			if e.CredentialsSecretName() != "ep-credentials" || e.DataClaimName() != "ep-data" {
				t.Errorf("child names = %q, %q", e.CredentialsSecretName(), e.DataClaimName())
			}
		})
	}
	e := &FhirEndpoint{}
	if got := e.StorageSize(); got.String() != "10Gi" {
		t.Errorf("StorageSize() of an empty spec = %s, want 10Gi", got.String())
	}
	big := resource.MustParse("1Ti")
	e.Spec.Storage.Size = &big
	if got := e.StorageSize(); got.String() != "1Ti" {
		t.Errorf("StorageSize() = %s, want 1Ti", got.String())
	}
	if len(CredentialKeys()) != 5 {
		t.Errorf("CredentialKeys() = %v, want the five keys of the auth contract", CredentialKeys())
	}
}

// TestInternalURL pins the address the aggregator dials: the Service the
// operator names after the endpoint, in its namespace, on the http port.
func TestInternalURL(t *testing.T) {
	e := &FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "labs", Namespace: "acme"}}
	if got, want := e.InternalURL(), "http://labs.acme.svc:8080"; got != want {
		t.Errorf("InternalURL() = %q, want %q", got, want)
	}
}
