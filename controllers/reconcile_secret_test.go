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
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestGenerateCredentials(t *testing.T) {
	a, err := GenerateCredentials()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateCredentials()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range fhirv1.CredentialKeys() {
		if len(a[k]) < 16 {
			t.Errorf("%s = %q, too short", k, a[k])
		}
		if string(a[k]) == string(b[k]) {
			t.Errorf("%s is the same in two generations", k)
		}
	}
	if len(a) != len(fhirv1.CredentialKeys()) {
		t.Errorf("generated keys %d, want exactly the contract's %d", len(a), len(fhirv1.CredentialKeys()))
	}
	block, _ := pem.Decode(a["token_signing_key"])
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("token_signing_key is not a PEM PRIVATE KEY: %q", a["token_signing_key"])
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		t.Errorf("token_signing_key is %T, want an ECDSA P-256 key", key)
	}
}

func TestHashSecretData(t *testing.T) {
	tests := []struct {
		name string
		a, b map[string][]byte
		same bool
	}{
		{"equal maps", map[string][]byte{"x": []byte("1"), "y": []byte("2")}, map[string][]byte{"y": []byte("2"), "x": []byte("1")}, true},
		{"value changed", map[string][]byte{"x": []byte("1")}, map[string][]byte{"x": []byte("2")}, false},
		{"boundary moved", map[string][]byte{"ab": []byte("c")}, map[string][]byte{"a": []byte("bc")}, false},
		{"key added", map[string][]byte{"x": []byte("1")}, map[string][]byte{"x": []byte("1"), "z": nil}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hashSecretData(tt.a) == hashSecretData(tt.b); got != tt.same {
				t.Errorf("same hash = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestMissingKeys(t *testing.T) {
	s := &corev1.Secret{Data: map[string][]byte{"client_id": []byte("x"), "client_secret": {}}}
	got := missingKeys(s)
	want := []string{"client_secret", "aggregator_client_id", "aggregator_client_secret", "token_signing_key"}
	if len(got) != len(want) {
		t.Fatalf("missingKeys = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("missingKeys = %v, want %v", got, want)
		}
	}
}

var _ = Describe("the credentials Secret", func() {
	ctx := context.Background()

	It("is generated once, owned, labelled, and never regenerated", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "creds", nil))
		secret := &corev1.Secret{}
		fetch(secret, ns, "creds-credentials")
		expectOwnedChild(secret, e)
		Expect(secret.Type).To(Equal(corev1.SecretTypeOpaque))
		Expect(secret.Data).To(HaveLen(5))
		for _, k := range fhirv1.CredentialKeys() {
			Expect(secret.Data).To(HaveKey(k))
		}
		Expect(e.Status.CredentialsSecret).To(Equal("creds-credentials"))
		Eventually(condition(e, fhirv1.ConditionCredentialsReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonGenerated))

		original := secret.DeepCopy()
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Image = "example.test/other:2" })
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Suspend = true })
		for range 3 {
			reconcileNow(e)
		}
		fetch(secret, ns, "creds-credentials")
		Expect(secret.Data).To(Equal(original.Data))
		Expect(secret.ResourceVersion).To(Equal(original.ResourceVersion), "the Secret must not even be rewritten")
	})

	It("uses a Secret the user made beforehand as is", func() {
		ns := newNamespace()
		user := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "byo-credentials", Namespace: ns},
			StringData: map[string]string{"client_id": "mine", "client_secret": "s3cret-of-mine", "aggregator_client_id": "agg",
				"aggregator_client_secret": "agg-secret", "token_signing_key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"},
		}
		Expect(k8sClient.Create(ctx, user)).To(Succeed())
		e := provision(newEndpoint(ns, "byo", nil))
		Eventually(condition(e, fhirv1.ConditionCredentialsReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonUserProvided))

		secret := &corev1.Secret{}
		fetch(secret, ns, "byo-credentials")
		Expect(secret.OwnerReferences).To(BeEmpty())
		Expect(secret.Labels).To(BeEmpty())
		Expect(string(secret.Data["client_id"])).To(Equal("mine"))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "byo")
		Expect(sts.Spec.Template.Annotations[AnnotationCredentialsHash]).To(Equal(credentialsHash(secret.Data)))
	})

	It("holds the server back while the user's Secret lacks keys", func() {
		ns := newNamespace()
		user := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "partial-credentials", Namespace: ns, Labels: map[string]string{LabelEndpoint: "partial"}},
			StringData: map[string]string{"client_id": "mine"},
		}
		Expect(k8sClient.Create(ctx, user)).To(Succeed())
		e := newEndpoint(ns, "partial", nil)
		Expect(k8sClient.Create(ctx, e)).To(Succeed())
		Eventually(condition(e, fhirv1.ConditionCredentialsReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonInvalidSecret))
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonInvalidSecret))
		Expect(condition(e, fhirv1.ConditionCredentialsReady)().Message).To(ContainSubstring("token_signing_key"))
		Consistently(func() bool {
			return apierrors.IsNotFound(k8sClient.Get(ctx, keyOf(ns, "partial"), &appsv1.StatefulSet{}))
		}, "1s").Should(BeTrue())

		// The Secret carries the endpoint label, so completing it is noticed at once.
		fetch(user, ns, "partial-credentials")
		user.StringData = map[string]string{"client_secret": "a", "aggregator_client_id": "b", "aggregator_client_secret": "c", "token_signing_key": "d"}
		Expect(k8sClient.Update(ctx, user)).To(Succeed())
		fetch(&appsv1.StatefulSet{}, ns, "partial")
		Eventually(condition(e, fhirv1.ConditionCredentialsReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonUserProvided))
	})

	// Issue 12: a Secret that stops being complete must not keep a suspend
	// from reaching the running server, which keeps the credentials it runs with.
	It("lets a suspend through while the Secret lacks keys, without rolling the pod", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "broken", nil))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "broken")
		hash := sts.Spec.Template.Annotations[AnnotationCredentialsHash]

		secret := &corev1.Secret{}
		fetch(secret, ns, e.CredentialsSecretName())
		delete(secret.Data, "token_signing_key")
		Expect(k8sClient.Update(ctx, secret)).To(Succeed())
		Eventually(condition(e, fhirv1.ConditionCredentialsReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonInvalidSecret))
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Suspend = true })

		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, keyOf(ns, "broken"), sts)).To(Succeed())
			g.Expect(sts.Spec.Replicas).To(HaveValue(BeZero()))
		}).Should(Succeed())
		Expect(sts.Spec.Template.Annotations[AnnotationCredentialsHash]).To(Equal(hash))
		Expect(condition(e, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonInvalidSecret))
	})
})
