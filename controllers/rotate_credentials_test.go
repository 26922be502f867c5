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
	"slices"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestCredentialsHashIgnoresWhatTheServerReReads(t *testing.T) {
	base := map[string][]byte{"client_id": []byte("c"), "client_secret": []byte("s"), "aggregator_client_id": []byte("a"),
		"aggregator_client_secret": []byte("as"), "token_signing_key": []byte("k")}
	tests := []struct {
		key  string
		same bool
	}{
		{"client_secret", true},
		{"aggregator_client_secret", true},
		{"token_signing_key", true},
		{"client_jwks.json", true},
		{"client_id", false},
		{"aggregator_client_id", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			changed := map[string][]byte{}
			for k, v := range base {
				changed[k] = v
			}
			changed[tt.key] = []byte("new value")
			if got := credentialsHash(changed) == credentialsHash(base); got != tt.same {
				t.Errorf("hash unchanged = %v, want %v", got, tt.same)
			}
		})
	}
}

// The manager's role lets it write what rotation writes: an Update of the
// generated Secret (envtest runs as an administrator and cannot catch this).
func TestManagerRoleMayUpdateSecrets(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	var verbs []string
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, "") && slices.Contains(r.Resources, "secrets") {
			verbs = append(verbs, r.Verbs...)
		}
	}
	for _, v := range []string{"get", "create", "update"} {
		if !slices.Contains(verbs, v) {
			t.Errorf("the manager role's verbs on secrets are %v, missing %q", verbs, v)
		}
	}
}

func TestCredentialsStatus(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	hour := &metav1.Duration{Duration: time.Hour}
	tests := []struct {
		name        string
		annotations map[string]string
		grace       *metav1.Duration
		want        fhirv1.CredentialsStatus
	}{
		{"never rotated", nil, nil, fhirv1.CredentialsStatus{}},
		{"created at rotation 3", map[string]string{AnnotationRotation: "3"}, nil, fhirv1.CredentialsStatus{Rotation: 3}},
		{"rotated, default grace", map[string]string{AnnotationRotation: "2", AnnotationRotatedAt: at.Format(time.RFC3339)}, nil,
			fhirv1.CredentialsStatus{Rotation: 2, RotatedAt: &metav1.Time{Time: at}, PreviousValidUntil: &metav1.Time{Time: at.Add(24 * time.Hour)}}},
		{"rotated, one hour's grace", map[string]string{AnnotationRotation: "2", AnnotationRotatedAt: at.Format(time.RFC3339)}, hour,
			fhirv1.CredentialsStatus{Rotation: 2, RotatedAt: &metav1.Time{Time: at}, PreviousValidUntil: &metav1.Time{Time: at.Add(time.Hour)}}},
		{"unreadable annotations", map[string]string{AnnotationRotation: "-1", AnnotationRotatedAt: "yesterday"}, nil, fhirv1.CredentialsStatus{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &fhirv1.FhirEndpoint{Spec: fhirv1.FhirEndpointSpec{Credentials: fhirv1.CredentialsSpec{GracePeriod: tt.grace}}}
			got := credentialsStatus(e, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Annotations: tt.annotations}})
			g := NewWithT(t)
			g.Expect(got.Rotation).To(Equal(tt.want.Rotation))
			g.Expect(got.RotatedAt).To(Equal(tt.want.RotatedAt))
			g.Expect(got.PreviousValidUntil).To(Equal(tt.want.PreviousValidUntil))
		})
	}
}

var _ = Describe("credential rotation", func() {
	ctx := context.Background()

	It("writes new client secrets when spec.credentials.rotation rises, keeping ids, key and the pod", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "rot", nil))
		Expect(e.Status.Credentials).To(Equal(&fhirv1.CredentialsStatus{}))
		before := &corev1.Secret{}
		fetch(before, ns, "rot-credentials")
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "rot")
		template := sts.Spec.Template.DeepCopy()

		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Credentials.Rotation = 1 })
		after := &corev1.Secret{}
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, keyOf(ns, "rot-credentials"), after)).To(Succeed())
			g.Expect(after.Annotations).To(HaveKeyWithValue(AnnotationRotation, "1"))
		}).Should(Succeed())
		for _, k := range []string{"client_secret", "aggregator_client_secret"} {
			Expect(after.Data[k]).NotTo(Equal(before.Data[k]), k)
			Expect(len(after.Data[k])).To(Equal(len(before.Data[k])), k)
		}
		for _, k := range []string{"client_id", "aggregator_client_id", "token_signing_key"} {
			Expect(after.Data[k]).To(Equal(before.Data[k]), k)
		}

		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(e), e)).To(Succeed())
			g.Expect(e.Status.Credentials).NotTo(BeNil())
			g.Expect(e.Status.Credentials.Rotation).To(Equal(int64(1)))
		}).Should(Succeed())
		Expect(e.Status.Credentials.RotatedAt).NotTo(BeNil())
		Expect(e.Status.Credentials.PreviousValidUntil.Time).To(Equal(e.Status.Credentials.RotatedAt.Add(24 * time.Hour)))
		Eventually(func() []string { return eventReasons(ns, "rot") }).Should(ContainElement("Normal/CredentialsRotated"))

		// The server re-reads the mounted files: no restart, so the
		// previous secrets it holds for the grace period are not lost.
		fetch(sts, ns, "rot")
		Expect(sts.Spec.Template).To(Equal(*template), "a rotation must not change the pod template")

		// Reconciling again does not rotate again.
		reconcileNow(e)
		again := &corev1.Secret{}
		fetch(again, ns, "rot-credentials")
		Expect(again.ResourceVersion).To(Equal(after.ResourceVersion))
	})

	It("rotates the signing key when asked, and passes a non-default grace period to the server", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "key", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Credentials.GracePeriod = &metav1.Duration{Duration: 2 * time.Hour}
		}))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "key")
		Expect(sts.Spec.Template.Spec.Containers[0].Command).To(ContainElements("--secret-grace-period", "2h0m0s"))
		before := &corev1.Secret{}
		fetch(before, ns, "key-credentials")

		update(e, func(e *fhirv1.FhirEndpoint) {
			e.Spec.Credentials.Rotation = 5
			e.Spec.Credentials.RotateSigningKey = true
		})
		Eventually(func(g Gomega) {
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(e), e)).To(Succeed())
			g.Expect(e.Status.Credentials).NotTo(BeNil())
			g.Expect(e.Status.Credentials.Rotation).To(Equal(int64(5)))
		}).Should(Succeed())
		Expect(e.Status.Credentials.PreviousValidUntil.Time).To(Equal(e.Status.Credentials.RotatedAt.Add(2 * time.Hour)))
		after := &corev1.Secret{}
		fetch(after, ns, "key-credentials")
		Expect(after.Data["token_signing_key"]).NotTo(Equal(before.Data["token_signing_key"]))
		Expect(after.Data["client_id"]).To(Equal(before.Data["client_id"]))
	})

	It("never lowers the counter", func() {
		ns := newNamespace()
		e := newEndpoint(ns, "low", func(e *fhirv1.FhirEndpoint) { e.Spec.Feed = ns; e.Spec.Credentials.Rotation = 3 })
		Expect(k8sClient.Create(ctx, e)).To(Succeed())
		Expect(tryUpdate(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Credentials.Rotation = 2 })).To(MatchError(ContainSubstring("never lowered")))
		// Removing the field defaults it to 0: a lowering too.
		Expect(tryUpdate(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Credentials = fhirv1.CredentialsSpec{} })).To(MatchError(ContainSubstring("never lowered")))
		Expect(tryUpdate(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Credentials.Rotation = 4 })).To(Succeed())
	})

	It("never rotates a Secret the user provided, and says so", func() {
		ns := newNamespace()
		user := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "own-credentials", Namespace: ns, Labels: map[string]string{LabelEndpoint: "own"}},
			StringData: map[string]string{"client_id": "mine", "client_secret": "s3cret-of-mine", "aggregator_client_id": "agg",
				"aggregator_client_secret": "agg-secret", "token_signing_key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"},
		}
		Expect(k8sClient.Create(ctx, user)).To(Succeed())
		e := provision(newEndpoint(ns, "own", nil))
		fetch(user, ns, "own-credentials")

		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Credentials.Rotation = 1 })
		Eventually(func() string {
			c := condition(e, fhirv1.ConditionCredentialsReady)()
			if c == nil {
				return ""
			}
			return c.Message
		}).Should(ContainSubstring("never rotates a Secret it did not generate"))
		Expect(condition(e, fhirv1.ConditionCredentialsReady)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonUserProvided))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(e), e)).To(Succeed())
		Expect(e.Status.Credentials).To(BeNil())
		after := &corev1.Secret{}
		fetch(after, ns, "own-credentials")
		Expect(after.ResourceVersion).To(Equal(user.ResourceVersion), "the user's Secret must not be written")
	})
})
