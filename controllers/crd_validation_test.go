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
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestCRDShape(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "config", "crd", "bases", "fhir.fhirfleet.io_fhirendpoints.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
		t.Fatal(err)
	}
	if crd.Name != "fhirendpoints.fhir.fhirfleet.io" || crd.Spec.Scope != apiextensionsv1.NamespaceScoped ||
		crd.Spec.Names.Kind != "FhirEndpoint" || len(crd.Spec.Names.ShortNames) != 1 || crd.Spec.Names.ShortNames[0] != "fhe" {
		t.Errorf("CRD identity = %s %s %s %v", crd.Name, crd.Spec.Scope, crd.Spec.Names.Kind, crd.Spec.Names.ShortNames)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1alpha1" || crd.Spec.Versions[0].Subresources == nil ||
		crd.Spec.Versions[0].Subresources.Status == nil {
		t.Fatalf("want one version v1alpha1 with the status subresource")
	}
	var columns []string
	for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
		columns = append(columns, c.Name)
	}
	if got, want := strings.Join(columns, ","), "Customer,Feed,Version,URL,Ready,UpToDate,Image,Lag,Age"; got != want {
		t.Errorf("printer columns = %s, want %s", got, want)
	}
}

// The CRD validates itself: these run against the real API server's OpenAPI
// and CEL evaluation, so they catch a rule that does not compile or does not bite.
var _ = Describe("CRD validation", func() {
	ctx := context.Background()
	long := strings.Repeat("a", 40)

	DescribeTable("rejects on create",
		func(name string, mutate func(*fhirv1.FhirEndpoint), wantMsg string) {
			ns := newNamespace()
			e := newEndpoint(ns, name, func(e *fhirv1.FhirEndpoint) {
				e.Spec.Feed = ns
				if mutate != nil {
					mutate(e)
				}
			})
			err := k8sClient.Create(ctx, e)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("a customer that is not a DNS label", "c1", func(e *fhirv1.FhirEndpoint) { e.Spec.Customer = "Acme_Corp" }, "spec.customer"),
		Entry("a feed that is not a DNS label", "c2", func(e *fhirv1.FhirEndpoint) { e.Spec.Feed = "-labs" }, "spec.feed"),
		Entry("a missing customer", "c3", func(e *fhirv1.FhirEndpoint) { e.Spec.Customer = "" }, "spec.customer"),
		Entry("an unknown FHIR version", "c4", func(e *fhirv1.FhirEndpoint) { e.Spec.FHIRVersion = "R5" }, "spec.fhirVersion"),
		Entry("a subdomain that is not a DNS label", "c5", func(e *fhirv1.FhirEndpoint) { e.Spec.Subdomain = "a.b" }, "spec.subdomain"),
		Entry("an unknown deletion policy", "c6", func(e *fhirv1.FhirEndpoint) { e.Spec.DeletionPolicy = "Orphan" }, "spec.deletionPolicy"),
		Entry("a default subdomain longer than a label", "c7", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Customer, e.Spec.Feed = long, long
		}, "too long for the default subdomain"),
		Entry("a name that is not a DNS-1035 label", "7up", nil, "metadata.name must be a DNS-1035 label"),
		Entry("a name too long for child names", "a"+strings.Repeat("b", 50), nil, "at most 50 characters"),
		Entry("an empty volume", "c8", func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.Size = qty("0") }, "storage size must be positive"),
		Entry("a grace period of zero", "c9", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Credentials.GracePeriod = &metav1.Duration{}
		}, "credentials.gracePeriod must be positive"),
		Entry("a negative rotation", "c10", func(e *fhirv1.FhirEndpoint) { e.Spec.Credentials.Rotation = -1 }, "spec.credentials.rotation"),
	)

	It("accepts the samples in config/samples", func() {
		files, err := filepath.Glob(filepath.Join("..", "config", "samples", "fhir_v1alpha1_fhirendpoint_*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(HaveLen(2))
		versions := map[fhirv1.FHIRVersion]bool{}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			e := &fhirv1.FhirEndpoint{}
			Expect(yaml.UnmarshalStrict(raw, e)).To(Succeed(), f)
			e.Namespace = newNamespace()
			// Other tests own acme-labs.<base-domain>: keep out of their way.
			e.Spec.Subdomain = "sample-" + e.Namespace
			Expect(k8sClient.Create(ctx, e)).To(Succeed(), f)
			versions[e.Spec.FHIRVersion] = true
		}
		Expect(versions).To(HaveLen(2), "one R4 and one STU3 sample")
	})

	It("accepts long customer and feed with an explicit subdomain", func() {
		ns := newNamespace()
		e := newEndpoint(ns, "ok", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Customer, e.Spec.Feed, e.Spec.Subdomain = long, long, "short-"+ns
		})
		Expect(k8sClient.Create(ctx, e)).To(Succeed())
		Expect(e.Spec.Storage.Size.String()).To(Equal("10Gi"), "size defaults to 10Gi")
		Expect(e.Spec.DeletionPolicy).To(Equal(fhirv1.DeletionPolicyRetain), "deletionPolicy defaults to Retain")
		Expect(e.Spec.Aggregation.Enabled).To(Equal(ptr.To(true)), "aggregation defaults to enabled")
	})

	DescribeTable("rejects on update",
		func(change func(*fhirv1.FhirEndpoint), wantMsg string) {
			ns := newNamespace()
			e := newEndpoint(ns, "upd", func(e *fhirv1.FhirEndpoint) {
				e.Spec.Feed = ns
				e.Spec.Storage.Size = qty("20Gi")
				e.Spec.Storage.StorageClassName = ptr.To("standard")
			})
			Expect(k8sClient.Create(ctx, e)).To(Succeed())
			err := tryUpdate(e, change)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("a changed customer", func(e *fhirv1.FhirEndpoint) { e.Spec.Customer = "other" }, "customer is immutable"),
		Entry("a changed feed", func(e *fhirv1.FhirEndpoint) { e.Spec.Feed = "other" }, "feed is immutable"),
		Entry("a changed FHIR version", func(e *fhirv1.FhirEndpoint) { e.Spec.FHIRVersion = fhirv1.FHIRVersionSTU3 }, "fhirVersion is immutable"),
		Entry("a smaller volume", func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.Size = qty("19Gi") }, "never shrink"),
		Entry("a smaller volume in other units", func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.Size = qty("20G") }, "never shrink"),
		Entry("a changed storage class", func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.StorageClassName = ptr.To("fast") }, "storageClassName is immutable"),
		Entry("a removed storage class", func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.StorageClassName = nil }, "storageClassName is immutable"),
	)

	It("accepts growing the volume, the same size written differently, and a new subdomain", func() {
		ns := newNamespace()
		e := newEndpoint(ns, "grow", func(e *fhirv1.FhirEndpoint) { e.Spec.Feed = ns; e.Spec.Storage.Size = qty("1Gi") })
		Expect(k8sClient.Create(ctx, e)).To(Succeed())
		Expect(tryUpdate(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Storage.Size = qty("1024Mi") })).To(Succeed())
		Expect(tryUpdate(e, func(e *fhirv1.FhirEndpoint) {
			e.Spec.Storage.Size = qty("2Gi")
			e.Spec.Subdomain = "renamed-" + e.Namespace
			e.Spec.Suspend = true
		})).To(Succeed())
	})
})
