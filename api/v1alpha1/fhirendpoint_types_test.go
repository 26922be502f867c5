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
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestSchemeRegistersKinds(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"FhirEndpoint", "FhirEndpointList"} {
		if !scheme.Recognizes(GroupVersion.WithKind(kind)) {
			t.Errorf("scheme does not know %s", kind)
		}
	}
	if GroupVersion.String() != "fhir.fhirfleet.io/v1alpha1" {
		t.Errorf("GroupVersion = %s", GroupVersion)
	}
}

func TestDeepCopyIsDeep(t *testing.T) {
	size := resource.MustParse("10Gi")
	class := "fast"
	e := &FhirEndpoint{Spec: FhirEndpointSpec{
		Customer: "acme", Feed: "labs", FHIRVersion: FHIRVersionR4,
		Storage: StorageSpec{Size: &size, StorageClassName: &class},
		Ingress: IngressSpec{Annotations: map[string]string{"a": "b"}, TLS: &IngressTLS{SecretName: "t"}},
	}}
	c := e.DeepCopy()
	if !equality.Semantic.DeepEqual(e, c) {
		t.Fatal("copy differs from the original")
	}
	*c.Spec.Storage.StorageClassName = "slow"
	c.Spec.Ingress.Annotations["a"] = "changed"
	c.Spec.Ingress.TLS.SecretName = "u"
	if *e.Spec.Storage.StorageClassName != "fast" || e.Spec.Ingress.Annotations["a"] != "b" || e.Spec.Ingress.TLS.SecretName != "t" {
		t.Error("changing the copy changed the original")
	}
}
