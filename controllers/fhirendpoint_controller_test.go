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
	ctrl "sigs.k8s.io/controller-runtime"
)

var _ = Describe("Reconcile", func() {
	It("does nothing for an endpoint that no longer exists", func() {
		ns := newNamespace()
		_, err := reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: keyOf(ns, "ghost")})
		Expect(err).NotTo(HaveOccurred())
		Expect(writes.writesIn(ns)).To(BeZero())
	})

	It("adds the finalizer and writes status with url, token URL, Secret name and version", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "status", nil))
		Expect(e.Finalizers).To(ConsistOf(Finalizer))
		Expect(e.Status.URL).To(Equal("https://acme-status.fhir.example.test/fhir"))
		Expect(e.Status.TokenURL).To(Equal("https://acme-status.fhir.example.test/oauth2/token"))
		Expect(e.Status.CredentialsSecret).To(Equal("status-credentials"))
		Expect(string(e.Status.FHIRVersion)).To(Equal("R4"))
		Expect(e.Status.ObservedGeneration).To(Equal(e.Generation))
		var types []string
		for _, c := range e.Status.Conditions {
			types = append(types, c.Type)
		}
		Expect(types).To(ConsistOf("Ready", "CredentialsReady", "StorageReady", "Available", "ServiceReady", "IngressReady", "NetworkPolicyReady", "Suspended", "SpecAccepted", "UpToDate"))
		Expect(e.Status.Image).To(Equal(testConfig().FhirServerImage))
		Expect(e.Status.InternalURL).To(Equal("http://status." + ns + ".svc:8080"))
	})
})
