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
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// expectOwnedChild checks the labels and the controller reference every child carries.
func expectOwnedChild(obj metav1.Object, e *fhirv1.FhirEndpoint) {
	GinkgoHelper()
	Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "fhirfleet"))
	Expect(obj.GetLabels()).To(HaveKeyWithValue("fhir.fhirfleet.io/endpoint", e.Name))
	Expect(obj.GetOwnerReferences()).To(ConsistOf(metav1.OwnerReference{
		APIVersion: "fhir.fhirfleet.io/v1alpha1", Kind: "FhirEndpoint", Name: e.Name, UID: e.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}))
}

var _ = Describe("the server StatefulSet", func() {
	It("runs one fhirserver, hardened, with the exact command, probes and mounts", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "labs", func(e *fhirv1.FhirEndpoint) {
			e.Spec.FHIRVersion = fhirv1.FHIRVersionSTU3
			e.Spec.Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
			}
		}))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "labs")
		expectOwnedChild(sts, e)

		Expect(sts.Spec.Replicas).To(Equal(ptr.To[int32](1)))
		Expect(sts.Spec.ServiceName).To(Equal("labs"))
		Expect(sts.Spec.PodManagementPolicy).To(Equal(appsv1.ParallelPodManagement))
		Expect(sts.Spec.Selector.MatchLabels).To(Equal(map[string]string{
			"fhir.fhirfleet.io/endpoint": "labs", "app.kubernetes.io/component": "fhir-server"}))
		Expect(sts.Spec.Template.Labels).To(HaveKeyWithValue("app.kubernetes.io/name", "fhirserver"))
		Expect(sts.Spec.VolumeClaimTemplates).To(BeEmpty(), "the claim is owned directly so it can grow")

		secret := &corev1.Secret{}
		fetch(secret, ns, "labs-credentials")
		Expect(sts.Spec.Template.Annotations).To(HaveKeyWithValue(AnnotationCredentialsHash, credentialsHash(secret.Data)))

		pod := sts.Spec.Template.Spec
		Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(false)))
		Expect(pod.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
		Expect(pod.SecurityContext.RunAsUser).To(Equal(ptr.To[int64](65532)))
		Expect(pod.SecurityContext.FSGroup).To(Equal(ptr.To[int64](65532)))
		Expect(pod.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
		Expect(pod.Containers).To(HaveLen(1))
		c := pod.Containers[0]
		Expect(c.Image).To(Equal("registry.example.test/fhirserver:test"))
		Expect(c.Command).To(Equal([]string{"fhirserver", "--fhir-version", "STU3", "--data-dir", "/var/lib/fhirserver",
			"--base-url", "https://acme-labs.fhir.example.test", "--credentials-dir", "/etc/fhirserver/credentials", "--metrics-listen", ":9090"}))
		Expect(c.Ports).To(ConsistOf(
			corev1.ContainerPort{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP},
			corev1.ContainerPort{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}))
		Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
		Expect(c.ReadinessProbe.HTTPGet.Port).To(Equal(intstr.FromString("http")))
		Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
		Expect(c.LivenessProbe.HTTPGet.Port).To(Equal(intstr.FromString("http")))
		// Idle tenants are probed every 30 s; the start every second.
		Expect(c.ReadinessProbe.PeriodSeconds).To(Equal(int32(30)))
		Expect(c.LivenessProbe.PeriodSeconds).To(Equal(int32(30)))
		Expect(c.StartupProbe.HTTPGet.Path).To(Equal("/healthz"))
		Expect(c.StartupProbe.HTTPGet.Port).To(Equal(intstr.FromString("http")))
		Expect(c.StartupProbe.PeriodSeconds).To(Equal(int32(1)))
		Expect(c.StartupProbe.FailureThreshold).To(Equal(int32(3600)))
		Expect(c.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))
		Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(Equal(ptr.To(true)))
		Expect(c.SecurityContext.AllowPrivilegeEscalation).To(Equal(ptr.To(false)))
		Expect(c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
		Expect(c.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
		Expect(c.Resources.Requests.Cpu().String()).To(Equal("250m"))
		Expect(c.Resources.Limits.Memory().String()).To(Equal("1Gi"))
		Expect(c.VolumeMounts).To(ConsistOf(
			corev1.VolumeMount{Name: "data", MountPath: "/var/lib/fhirserver"},
			corev1.VolumeMount{Name: "credentials", MountPath: "/etc/fhirserver/credentials", ReadOnly: true},
			corev1.VolumeMount{Name: "tmp", MountPath: "/tmp"},
		))
		volumes := map[string]corev1.VolumeSource{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = v.VolumeSource
		}
		Expect(volumes["data"].PersistentVolumeClaim.ClaimName).To(Equal("labs-data"))
		Expect(volumes["credentials"].Secret.SecretName).To(Equal("labs-credentials"))
		Expect(volumes["credentials"].Secret.DefaultMode).To(Equal(ptr.To[int32](0o440)))
		Expect(volumes["tmp"].EmptyDir).NotTo(BeNil())

		Expect(e.Status.FHIRVersion).To(Equal(fhirv1.FHIRVersionSTU3))
	})

	It("uses spec.image over the manager's image, and rolls the pod when a client id changes", func() {
		ns := newNamespace()
		provision(newEndpoint(ns, "img", func(e *fhirv1.FhirEndpoint) { e.Spec.Image = "example.test/custom:1" }))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "img")
		Expect(sts.Spec.Template.Spec.Containers[0].Image).To(Equal("example.test/custom:1"))
		before := sts.Spec.Template.Annotations[AnnotationCredentialsHash]

		secret := &corev1.Secret{}
		fetch(secret, ns, "img-credentials")
		secret.Data["client_id"] = []byte("replaced-by-the-user")
		Expect(k8sClient.Update(context.Background(), secret)).To(Succeed())
		Eventually(func() string {
			fetch(sts, ns, "img")
			return sts.Spec.Template.Annotations[AnnotationCredentialsHash]
		}).ShouldNot(Equal(before))
		Expect(sts.Spec.Template.Annotations[AnnotationCredentialsHash]).To(Equal(credentialsHash(secret.Data)))
	})
})

func TestServerCommandFollowsURLScheme(t *testing.T) {
	for _, scheme := range []string{"https", "http"} {
		s := &scope{
			endpoint: &fhirv1.FhirEndpoint{Spec: fhirv1.FhirEndpointSpec{FHIRVersion: fhirv1.FHIRVersionR4}},
			cfg:      Config{URLScheme: scheme},
			host:     "acme-labs.example.test",
		}
		got := strings.Join(serverCommand(s), " ")
		want := "fhirserver --fhir-version R4 --data-dir /var/lib/fhirserver --base-url " + scheme +
			"://acme-labs.example.test --credentials-dir /etc/fhirserver/credentials --metrics-listen :9090"
		if got != want {
			t.Errorf("command = %q, want %q", got, want)
		}
	}
}

func TestServerCommandPassesTrustedProxies(t *testing.T) {
	s := &scope{
		endpoint: &fhirv1.FhirEndpoint{Spec: fhirv1.FhirEndpointSpec{FHIRVersion: fhirv1.FHIRVersionR4}},
		cfg:      Config{URLScheme: "https", ServerTrustedProxies: []string{"10.0.0.0/8", "fd00::/8"}},
		host:     "acme-labs.example.test",
	}
	got := strings.Join(serverCommand(s), " ")
	if !strings.HasSuffix(got, " --metrics-listen :9090 --trusted-proxies 10.0.0.0/8,fd00::/8") {
		t.Errorf("command = %q, want it to end with the trusted proxies", got)
	}
}

func TestSuspendScalesToZero(t *testing.T) {
	for _, suspended := range []bool{false, true} {
		s := &scope{endpoint: &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep"}}, suspended: suspended, cfg: Config{URLScheme: "https"}}
		want := int32(1)
		if suspended {
			want = 0
		}
		sts, err := desiredStatefulSet(s, "img")
		if err != nil {
			t.Fatal(err)
		}
		if got := *sts.Spec.Replicas; got != want {
			t.Errorf("suspended=%v: replicas = %d, want %d", suspended, got, want)
		}
	}
}
