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

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("the data PersistentVolumeClaim", func() {
	It("is owned directly, ReadWriteOnce, 10Gi by default", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "vol", nil))
		pvc := &corev1.PersistentVolumeClaim{}
		fetch(pvc, ns, "vol-data")
		expectOwnedChild(pvc, e)
		Expect(pvc.Spec.AccessModes).To(ConsistOf(corev1.ReadWriteOnce))
		Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("10Gi"))
		Expect(pvc.Spec.StorageClassName).To(BeNil(), "the cluster's default class decides")
	})

	It("grows with the spec once bound, in a class that allows expansion", func() {
		ctx := context.Background()
		class := &storagev1.StorageClass{
			ObjectMeta:           metav1.ObjectMeta{GenerateName: "expandable-"},
			Provisioner:          "example.test/csi",
			AllowVolumeExpansion: ptr.To(true),
		}
		Expect(k8sClient.Create(ctx, class)).To(Succeed())
		ns := newNamespace()
		e := provision(newEndpoint(ns, "grow", func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.StorageClassName = ptr.To(class.Name) }))
		// A claim can only be resized once bound; envtest binds nothing, so say it is.
		pvc := &corev1.PersistentVolumeClaim{}
		Eventually(func() error {
			fetch(pvc, ns, "grow-data")
			pvc.Spec.VolumeName = "pv-" + ns
			return k8sClient.Update(ctx, pvc)
		}).Should(Succeed())
		bindClaim(e)

		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.Size = qty("25Gi") })
		Eventually(func() string {
			fetch(pvc, ns, "grow-data")
			return pvc.Spec.Resources.Requests.Storage().String()
		}).Should(Equal("25Gi"))
	})

	It("uses the storage class from the spec", func() {
		ns := newNamespace()
		provision(newEndpoint(ns, "classy", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Storage.StorageClassName = ptr.To("fast-ssd")
			e.Spec.Storage.Size = qty("1Gi")
		}))
		pvc := &corev1.PersistentVolumeClaim{}
		fetch(pvc, ns, "classy-data")
		Expect(pvc.Spec.StorageClassName).To(Equal(ptr.To("fast-ssd")))
		Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
	})
})
