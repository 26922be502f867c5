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
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("a FhirAggregator's volume", func() {
	ctx := context.Background()

	It("grows as a FhirEndpoint's does: refused while its class forbids it, grown once the class allows it", func() {
		ns := aggregatorHome()
		class := &storagev1.StorageClass{
			ObjectMeta:           metav1.ObjectMeta{Name: "agg-fixed-" + newNamespace()},
			Provisioner:          "example.test/fixed",
			AllowVolumeExpansion: ptr.To(false),
		}
		Expect(k8sClient.Create(ctx, class)).To(Succeed())
		DeferCleanup(func() { Expect(k8sClient.Delete(ctx, class)).To(Succeed()) })
		a := provisionAggregator(newAggregator(ns, "agg-grow", func(a *fhirv1.FhirAggregator) {
			a.Spec.Storage = fhirv1.StorageSpec{Size: qty("1Gi"), StorageClassName: ptr.To(class.Name)}
		}))
		// The claim has the FhirEndpoint's naming, <name>-data: bind it as the PV controller would.
		asEndpoint := &fhirv1.FhirEndpoint{ObjectMeta: a.ObjectMeta}
		bindClaim(asEndpoint)

		updateAggregator(a, func(a *fhirv1.FhirAggregator) { a.Spec.Storage.Size = qty("2Gi") })
		Eventually(aggregatorCondition(a, fhirv1.ConditionStorageReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonResizeRefused))
		Expect(claimSize(asEndpoint)).To(Equal("1Gi"))

		allowExpansion(class)
		Eventually(func() string { return claimSize(asEndpoint) }).Should(Equal("2Gi"))
		Eventually(aggregatorCondition(a, fhirv1.ConditionStorageReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonApplied))
	})
})
