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
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("deletion", func() {
	ctx := context.Background()

	gone := func(e *fhirv1.FhirEndpoint) func() bool {
		return func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(e.Namespace, e.Name), &fhirv1.FhirEndpoint{}))
		}
	}

	It("under Retain keeps the volume and releases it from the FhirEndpoint", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "keep", nil))
		Expect(e.Finalizers).To(ContainElement(Finalizer))
		Expect(k8sClient.Delete(ctx, e)).To(Succeed())
		Eventually(gone(e)).Should(BeTrue())

		pvc := &corev1.PersistentVolumeClaim{}
		fetch(pvc, ns, "keep-data")
		Expect(pvc.DeletionTimestamp.IsZero()).To(BeTrue())
		Expect(pvc.OwnerReferences).To(BeEmpty(), "the garbage collector must have nothing to collect")
		// The other children keep their controller reference: the garbage
		// collector (absent in envtest) deletes them.
		secret := &corev1.Secret{}
		fetch(secret, ns, "keep-credentials")
		Expect(secret.OwnerReferences).To(HaveLen(1))
		Expect(secret.OwnerReferences[0].UID).To(Equal(e.UID))

		// A new FhirEndpoint of the same name adopts the retained volume.
		again := provision(newEndpoint(ns, "keep", nil))
		Eventually(func() []string {
			fetch(pvc, ns, "keep-data")
			var uids []string
			for _, ref := range pvc.OwnerReferences {
				uids = append(uids, string(ref.UID))
			}
			return uids
		}).Should(ConsistOf(string(again.UID)))
	})

	It("under Delete deletes the volume", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "drop", func(e *fhirv1.FhirEndpoint) { e.Spec.DeletionPolicy = fhirv1.DeletionPolicyDelete }))
		Expect(k8sClient.Delete(ctx, e)).To(Succeed())
		Eventually(gone(e)).Should(BeTrue())
		// The API server's pvc-protection finalizer may hold the claim
		// (nothing in envtest releases it), but it is being deleted.
		Eventually(func() bool {
			pvc := &corev1.PersistentVolumeClaim{}
			err := k8sClient.Get(ctx, keyOf(ns, "drop-data"), pvc)
			return apierrors.IsNotFound(err) || (err == nil && !pvc.DeletionTimestamp.IsZero())
		}).Should(BeTrue())
	})
})
