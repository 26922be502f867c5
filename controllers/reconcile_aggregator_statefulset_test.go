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
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The command line is the contract with cmd/aggregator (PREAMBLE's flag list).
func TestAggregatorArgs(t *testing.T) {
	base := []string{"aggregator", "--data-dir", "/data", "--listen", ":8080", "--metrics-listen", ":9090", "--base-url", "https://all.example.test", "--poll-wait", "55s"}
	files := []string{"--clients-dir", "/clients", "--credentials-dir", "/credentials"}
	tests := []struct {
		name string
		spec fhirv1.FhirAggregatorSpec
		want []string
	}{
		{"every namespace, no patients", fhirv1.FhirAggregatorSpec{}, slices.Concat(base, files)},
		{"listed namespaces", fhirv1.FhirAggregatorSpec{Namespaces: []string{"a", "b"}}, slices.Concat(base, []string{"--namespace", "a,b"}, files)},
		{"patients with a JWKS URL", fhirv1.FhirAggregatorSpec{PatientAccess: &fhirv1.PatientAccessSpec{
			Issuer: "https://idp", JWKSURI: "https://idp/jwks", Audience: "aud", MinimumProofingLevel: "P5"}},
			slices.Concat(base, files, []string{"--patient-issuer", "https://idp", "--patient-jwks", "https://idp/jwks", "--patient-audience", "aud", "--patient-min-proofing", "P5"})},
		{"patients with a JWKS Secret", fhirv1.FhirAggregatorSpec{PatientAccess: &fhirv1.PatientAccessSpec{
			Issuer: "https://idp", JWKSSecret: &fhirv1.SecretKeyRef{Name: "keys", Key: "set.json"}, Audience: "aud"}},
			slices.Concat(base, files, []string{"--patient-issuer", "https://idp", "--patient-jwks", "/patient-jwks/set.json", "--patient-audience", "aud", "--patient-min-proofing", "P9"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg"}, Spec: tt.spec}
			s := &aggregatorScope{aggregator: a, cfg: Config{URLScheme: "https"}, host: "all.example.test"}
			if got := aggregatorArgs(s); !slices.Equal(got, tt.want) {
				t.Errorf("args =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestAggregatorVolumes(t *testing.T) {
	a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg"}}
	volumes, _ := aggregatorVolumes(a)
	if clients := volumes[1]; *clients.Name != "clients" || clients.EmptyDir == nil || clients.Projected != nil {
		t.Errorf("without customers the clients folder is %+v, want an empty dir (a projected volume needs a source)", clients)
	}
	a.Spec.Customers = []fhirv1.AggregatorCustomer{{Name: "acme"}}
	a.Spec.PatientAccess = &fhirv1.PatientAccessSpec{JWKSSecret: &fhirv1.SecretKeyRef{Name: "keys"}}
	volumes, mounts := aggregatorVolumes(a)
	clients := volumes[1]
	if clients.Projected == nil || len(clients.Projected.Sources) != 1 || *clients.Projected.Sources[0].Secret.Name != "agg-client-acme" {
		t.Fatalf("clients volume = %+v", clients)
	}
	var paths []string
	for _, item := range clients.Projected.Sources[0].Secret.Items {
		paths = append(paths, *item.Path)
	}
	if want := []string{"acme/client_id", "acme/client_secret", "acme/privacy_labels"}; !slices.Equal(paths, want) {
		t.Errorf("projected paths = %v, want %v", paths, want)
	}
	var mounted []string
	for _, m := range mounts {
		mounted = append(mounted, *m.Name+"="+*m.MountPath)
	}
	if want := []string{"data=/data", "clients=/clients", "credentials=/credentials", "tmp=/tmp", "patient-jwks=/patient-jwks"}; !slices.Equal(mounted, want) {
		t.Errorf("mounts = %v, want %v", mounted, want)
	}
}

func TestAggregatorStatefulSetSuspend(t *testing.T) {
	for _, suspend := range []bool{false, true} {
		a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg"}, Spec: fhirv1.FhirAggregatorSpec{Suspend: suspend}}
		sts := desiredAggregatorStatefulSet(&aggregatorScope{aggregator: a, cfg: Config{URLScheme: "https", AggregatorImage: "img"}})
		want := int32(1)
		if suspend {
			want = 0
		}
		if *sts.Spec.Replicas != want {
			t.Errorf("suspend %v: replicas %d, want %d", suspend, *sts.Spec.Replicas, want)
		}
	}
}
