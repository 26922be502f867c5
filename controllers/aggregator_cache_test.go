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

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// childClient must read the aggregator's children from their cache and
// everything else (a StorageClass, a FhirEndpoint) from the manager's: a
// StorageClass read from the children's cache would never be found.
func TestChildClientRoutesReads(t *testing.T) {
	scheme, err := testScheme()
	if err != nil {
		t.Fatal(err)
	}
	children := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "child", Namespace: "ns"}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "child"}},
	).Build()
	manager := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}},
		&fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep", Namespace: "ns"}},
	).Build()
	c := childClient{Client: manager, children: children}
	ctx := context.Background()
	for _, tt := range []struct {
		obj  client.Object
		name string
	}{
		{&corev1.Secret{}, "child"},
		{&rbacv1.ClusterRoleBinding{}, "child"},
		{&storagev1.StorageClass{}, "standard"},
		{&fhirv1.FhirEndpoint{}, "ep"},
	} {
		ns := "ns"
		if _, cluster := tt.obj.(*storagev1.StorageClass); cluster {
			ns = ""
		}
		if _, cluster := tt.obj.(*rbacv1.ClusterRoleBinding); cluster {
			ns = ""
		}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: tt.name}, tt.obj); err != nil {
			t.Errorf("Get %T %s: %v", tt.obj, tt.name, err)
		}
	}
	var secrets corev1.SecretList
	if err := c.List(ctx, &secrets); err != nil || len(secrets.Items) != 1 {
		t.Errorf("List Secrets = %d, %v; want the child's one", len(secrets.Items), err)
	}
	var endpoints fhirv1.FhirEndpointList
	if err := c.List(ctx, &endpoints); err != nil || len(endpoints.Items) != 1 {
		t.Errorf("List FhirEndpoints = %d, %v; want the manager's one", len(endpoints.Items), err)
	}
}
