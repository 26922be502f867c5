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
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestAggregatorCRDShape(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "config", "crd", "bases", "fhir.fhirfleet.io_fhiraggregators.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
		t.Fatal(err)
	}
	if crd.Name != "fhiraggregators.fhir.fhirfleet.io" || crd.Spec.Scope != apiextensionsv1.NamespaceScoped ||
		crd.Spec.Names.Kind != "FhirAggregator" || len(crd.Spec.Names.ShortNames) != 1 || crd.Spec.Names.ShortNames[0] != "fha" {
		t.Errorf("CRD identity = %s %s %s %v", crd.Name, crd.Spec.Scope, crd.Spec.Names.Kind, crd.Spec.Names.ShortNames)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Subresources == nil || crd.Spec.Versions[0].Subresources.Status == nil {
		t.Fatalf("want one version with the status subresource")
	}
	var columns []string
	for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
		columns = append(columns, c.Name+"="+c.JSONPath)
	}
	want := `URL=.status.url,Sources=.status.sources,Lag=.status.worstLagSeconds,Ready=.status.conditions[?(@.type=="Ready")].status,Age=.metadata.creationTimestamp`
	if got := strings.Join(columns, ","); got != want {
		t.Errorf("printer columns = %s, want %s", got, want)
	}
}

// Against the real API server, as the FhirEndpoint's rules are.
var _ = Describe("FhirAggregator CRD validation", func() {
	ctx := context.Background()
	patients := func() *fhirv1.PatientAccessSpec {
		return &fhirv1.PatientAccessSpec{Issuer: "https://login.example.test", Audience: "agg", JWKSURI: "https://login.example.test/jwks"}
	}

	DescribeTable("rejects on create",
		func(mutate func(*fhirv1.FhirAggregator), wantMsg string) {
			a := newAggregator(newNamespace(), "bad", mutate)
			err := k8sClient.Create(ctx, a)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		},
		Entry("both a JWKS URL and a JWKS Secret", func(a *fhirv1.FhirAggregator) {
			a.Spec.PatientAccess = patients()
			a.Spec.PatientAccess.JWKSSecret = &fhirv1.SecretKeyRef{Name: "keys"}
		}, "exactly one of patientAccess.jwksURI and patientAccess.jwksSecret"),
		Entry("neither a JWKS URL nor a JWKS Secret", func(a *fhirv1.FhirAggregator) {
			a.Spec.PatientAccess = patients()
			a.Spec.PatientAccess.JWKSURI = ""
		}, "exactly one of patientAccess.jwksURI and patientAccess.jwksSecret"),
		Entry("a JWKS URL that is not https", func(a *fhirv1.FhirAggregator) {
			a.Spec.PatientAccess = patients()
			a.Spec.PatientAccess.JWKSURI = "http://login.example.test/jwks"
		}, "jwksURI must be an https URL"),
		Entry("an unknown proofing level", func(a *fhirv1.FhirAggregator) {
			a.Spec.PatientAccess = patients()
			a.Spec.PatientAccess.MinimumProofingLevel = "P7"
		}, "minimumProofingLevel"),
		Entry("an unknown privacy label", func(a *fhirv1.FhirAggregator) {
			a.Spec.Customers = []fhirv1.AggregatorCustomer{{Name: "acme", PrivacyLabels: []fhirv1.PrivacyLabel{"DENTAL_HEALTH"}}}
		}, "privacyLabels"),
		Entry("a customer listed twice", func(a *fhirv1.FhirAggregator) {
			a.Spec.Customers = []fhirv1.AggregatorCustomer{{Name: "acme"}, {Name: "acme"}}
		}, "Duplicate value"),
		Entry("a customer name that is not a DNS label", func(a *fhirv1.FhirAggregator) {
			a.Spec.Customers = []fhirv1.AggregatorCustomer{{Name: "Acme Corp"}}
		}, "spec.customers[0].name"),
		Entry("a namespace that is not a DNS label", func(a *fhirv1.FhirAggregator) { a.Spec.Namespaces = []string{"a.b"} }, "spec.namespaces[0]"),
		Entry("a subdomain that is not a DNS label", func(a *fhirv1.FhirAggregator) { a.Spec.Subdomain = "a.b" }, "spec.subdomain"),
		Entry("an empty volume", func(a *fhirv1.FhirAggregator) { a.Spec.Storage.Size = qty("0") }, "storage size must be positive"),
	)

	It("rejects a smaller volume and a changed storage class", func() {
		a := newAggregator(newNamespace(), "shrink", func(a *fhirv1.FhirAggregator) {
			a.Spec.Storage = fhirv1.StorageSpec{Size: qty("20Gi"), StorageClassName: ptr.To("standard")}
		})
		Expect(k8sClient.Create(ctx, a)).To(Succeed())
		for wantMsg, change := range map[string]func(*fhirv1.FhirAggregator){
			"never shrink":                  func(a *fhirv1.FhirAggregator) { a.Spec.Storage.Size = qty("19Gi") },
			"storageClassName is immutable": func(a *fhirv1.FhirAggregator) { a.Spec.Storage.StorageClassName = ptr.To("fast") },
		} {
			err := tryUpdateAggregator(a, change)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(wantMsg))
		}
		Expect(tryUpdateAggregator(a, func(a *fhirv1.FhirAggregator) { a.Spec.Storage.Size = qty("21Gi") })).To(Succeed())
	})

	It("defaults the subdomain, the volume and the proofing level, and accepts the sample", func() {
		a := newAggregator(newNamespace(), "defaults", func(a *fhirv1.FhirAggregator) {
			a.Spec.Subdomain = ""
			a.Spec.PatientAccess = patients()
		})
		Expect(k8sClient.Create(ctx, a)).To(Succeed())
		Expect(a.Spec.Subdomain).To(Equal("aggregated"))
		Expect(a.Spec.Storage.Size.String()).To(Equal("10Gi"))
		Expect(a.Spec.PatientAccess.MinimumProofingLevel).To(Equal(fhirv1.ProofingLevel("P9")))

		raw, err := os.ReadFile(filepath.Join("..", "config", "samples", "fhir_v1alpha1_fhiraggregator.yaml"))
		Expect(err).NotTo(HaveOccurred())
		sample := &fhirv1.FhirAggregator{}
		Expect(yaml.UnmarshalStrict(raw, sample)).To(Succeed())
		sample.Namespace = newNamespace()
		sample.Spec.Subdomain = "sample-" + sample.Namespace
		Expect(k8sClient.Create(ctx, sample)).To(Succeed())
		Expect(sample.Spec.Customers).To(HaveLen(2))
	})
})

// tryUpdateAggregator applies change to a fresh copy of a and updates it,
// retrying only on a conflict; it returns the API server's verdict.
func tryUpdateAggregator(a *fhirv1.FhirAggregator, change func(*fhirv1.FhirAggregator)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(a), a); err != nil {
			return err
		}
		change(a)
		return k8sClient.Update(context.Background(), a)
	})
}
