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
	"fmt"
	"reflect"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("the manager's policy on what a FhirEndpoint may ask for", func() {
	// message is the current message of a condition, "" while it is absent.
	message := func(e *fhirv1.FhirEndpoint, condType string) func() string {
		return func() string {
			if c := condition(e, condType)(); c != nil {
				return c.Message
			}
			return ""
		}
	}
	// warnings are the Warning Events about e, as "reason: note".
	warnings := func(e *fhirv1.FhirEndpoint) func() []string {
		return func() []string {
			var list eventsv1.EventList
			Expect(k8sClient.List(context.Background(), &list, client.InNamespace(e.Namespace))).To(Succeed())
			var out []string
			for _, ev := range list.Items {
				if ev.Regarding.Name == e.Name && ev.Type == corev1.EventTypeWarning {
					out = append(out, ev.Reason+": "+ev.Note)
				}
			}
			return out
		}
	}
	image := func(ns, name string) func() string {
		return func() string {
			sts := &appsv1.StatefulSet{}
			fetch(sts, ns, name)
			return sts.Spec.Template.Spec.Containers[0].Image
		}
	}

	It("keeps snippets and server-alias off the Ingress, applies allowed annotations, and names what it refused", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "ann", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Ingress.Annotations = map[string]string{
				"nginx.ingress.kubernetes.io/configuration-snippet": "proxy_pass http://attacker.example;",
				"nginx.ingress.kubernetes.io/server-alias":          "victim-labs.fhir.example.test",
				"nginx.ingress.kubernetes.io/proxy-body-size":       "64m",
			}
		}))
		ing := &networkingv1.Ingress{}
		fetch(ing, ns, "ann")
		Expect(ing.Annotations).To(Equal(map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m"}))

		Expect(condition(e, fhirv1.ConditionSpecAccepted)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonAnnotationsRefused))
		Expect(message(e, fhirv1.ConditionSpecAccepted)()).To(And(
			ContainSubstring("nginx.ingress.kubernetes.io/configuration-snippet"),
			ContainSubstring("nginx.ingress.kubernetes.io/server-alias"),
			Not(ContainSubstring("proxy-body-size"))))
		markServerReady(e, 1)
		Eventually(condition(e, fhirv1.ConditionAvailable)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonPodReady))
		Expect(condition(e, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonAnnotationsRefused),
			"a refused spec is not Ready, though the server serves")
		Eventually(warnings(e)).Should(ContainElement(And(HavePrefix(fhirv1.ReasonAnnotationsRefused+": "), ContainSubstring("server-alias"))))

		update(e, func(e *fhirv1.FhirEndpoint) {
			e.Spec.Ingress.Annotations = map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m"}
		})
		Eventually(condition(e, fhirv1.ConditionSpecAccepted)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonAccepted))
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonReady))
	})

	It("never runs an image outside the allowed prefixes", func() {
		ns := newNamespace()
		// A new endpoint asking for a foreign image gets the manager's image.
		e := provision(newEndpoint(ns, "foreign", func(e *fhirv1.FhirEndpoint) { e.Spec.Image = "docker.io/attacker/miner:1" }))
		Expect(image(ns, "foreign")()).To(Equal("registry.example.test/fhirserver:test"))
		Expect(condition(e, fhirv1.ConditionSpecAccepted)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonImageRefused))
		Expect(message(e, fhirv1.ConditionSpecAccepted)()).To(ContainSubstring(`"docker.io/attacker/miner:1"`))
		Expect(condition(e, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonImageRefused))
		Eventually(warnings(e)).Should(ContainElement(And(HavePrefix(fhirv1.ReasonImageRefused+": "), ContainSubstring("docker.io/attacker/miner:1"))))

		// An allowed image runs.
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Image = "example.test/custom:1" })
		Eventually(image(ns, "foreign")).Should(Equal("example.test/custom:1"))
		Eventually(condition(e, fhirv1.ConditionSpecAccepted)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonAccepted))

		// A running server switched to a foreign image keeps the image it runs.
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Image = "example.test.attacker.example/miner:2" })
		Eventually(message(e, fhirv1.ConditionSpecAccepted)).Should(ContainSubstring(`"example.test.attacker.example/miner:2"`))
		Eventually(func() int64 {
			fetch(e, ns, "foreign")
			return e.Status.ObservedGeneration
		}).Should(Equal(e.Generation))
		Expect(image(ns, "foreign")()).To(Equal("example.test/custom:1"))

		// Had the manager's flags since stopped allowing the running image,
		// the server would get the manager's own.
		tightened := testConfig()
		tightened.AllowedImagePrefixes = []string{"registry.example.test/fhirserver"}
		s := &scope{endpoint: e, cfg: tightened, c: k8sClient, imageRefused: true}
		Expect(serverImage(context.Background(), s)).To(Equal("registry.example.test/fhirserver:test"))
		s.cfg = testConfig()
		Expect(serverImage(context.Background(), s)).To(Equal("example.test/custom:1"))
	})
})

func TestFilterAnnotations(t *testing.T) {
	allowed := append(DefaultAllowedIngressAnnotations(), "example.com/*")
	tests := []struct {
		name        string
		in          map[string]string
		wantKept    map[string]string
		wantRefused []string
	}{
		{"nothing asked", nil, nil, nil},
		{"allowed exactly and by glob",
			map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m", "nginx.ingress.kubernetes.io/limit-rps": "10", "cert-manager.io/cluster-issuer": "le"},
			map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m", "nginx.ingress.kubernetes.io/limit-rps": "10", "cert-manager.io/cluster-issuer": "le"}, nil},
		{"not listed",
			map[string]string{"external-dns.alpha.kubernetes.io/hostname": "other.example.com", "cert-manager.io/common-name": "other.example.com"},
			nil, []string{"cert-manager.io/common-name (not in --allowed-ingress-annotations)", "external-dns.alpha.kubernetes.io/hostname (not in --allowed-ingress-annotations)"}},
		{"snippets and server-alias are refused, the rest kept",
			map[string]string{
				"nginx.ingress.kubernetes.io/configuration-snippet": "return 200;",
				"nginx.ingress.kubernetes.io/server-alias":          "victim.fhir.example.com",
				"nginx.ingress.kubernetes.io/proxy-read-timeout":    "60",
			},
			map[string]string{"nginx.ingress.kubernetes.io/proxy-read-timeout": "60"},
			[]string{"nginx.ingress.kubernetes.io/configuration-snippet (injects configuration into the ingress controller)",
				"nginx.ingress.kubernetes.io/server-alias (claims hosts other than the endpoint's own)"}},
		{"never allowed even under an allowed glob, whatever the prefix",
			map[string]string{"example.com/server-snippet": "x", "example.com/server-alias": "v", "example.com/auth-url": "https://evil", "example.com/mirror-target": "https://evil", "example.com/ok": "1"},
			map[string]string{"example.com/ok": "1"},
			[]string{"example.com/auth-url (sends requests, or their clients, to another address)",
				"example.com/mirror-target (sends requests, or their clients, to another address)",
				"example.com/server-alias (claims hosts other than the endpoint's own)",
				"example.com/server-snippet (injects configuration into the ingress controller)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, refused := filterAnnotations(allowed, tt.in)
			if !reflect.DeepEqual(kept, tt.wantKept) {
				t.Errorf("kept = %v, want %v", kept, tt.wantKept)
			}
			if !reflect.DeepEqual(refused, tt.wantRefused) {
				t.Errorf("refused = %q, want %q", refused, tt.wantRefused)
			}
		})
	}
}

func TestDefaultAllowedIngressAnnotationsAreValid(t *testing.T) {
	if err := ValidateAnnotationPatterns(DefaultAllowedIngressAnnotations()); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"nginx.ingress.kubernetes.io/server-snippet", "nginx.ingress.kubernetes.io/configuration-snippet",
		"nginx.ingress.kubernetes.io/server-alias", "nginx.ingress.kubernetes.io/auth-url", "nginx.ingress.kubernetes.io/rewrite-target"} {
		if anyMatch(key, DefaultAllowedIngressAnnotations()) {
			t.Errorf("the default list allows %s", key)
		}
	}
}

func TestValidateAnnotationPatterns(t *testing.T) {
	tests := []struct {
		pattern string
		wantErr string
	}{
		{"nginx.ingress.kubernetes.io/proxy-body-size", ""},
		{"nginx.ingress.kubernetes.io/limit-*", ""},
		{"*", ""},
		{"nginx.ingress.kubernetes.io/*-snippet", "may only end"},
		{"nginx.ingress.kubernetes.io/server-snippet", "never allowed"},
		{"example.com/Server-Alias", "never allowed"},
		{"example.com/temporal-redirect", "never allowed"},
		{"no spaces/*", "white space"},
		{"-bad-", "name part"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			err := ValidateAnnotationPatterns([]string{tt.pattern})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestImageRepository(t *testing.T) {
	for image, want := range map[string]string{
		"ghcr.io/fhirfleet/fhirserver:latest":       "ghcr.io/fhirfleet/fhirserver",
		"ghcr.io/fhirfleet/fhirserver@sha256:abc":   "ghcr.io/fhirfleet/fhirserver",
		"ghcr.io/fhirfleet/fhirserver:1@sha256:abc": "ghcr.io/fhirfleet/fhirserver",
		"localhost:5000/fhirserver":                 "localhost:5000/fhirserver",
		"localhost:5000/fhirserver:dev":             "localhost:5000/fhirserver",
		"fhirserver":                                "fhirserver",
	} {
		if got := ImageRepository(image); got != want {
			t.Errorf("ImageRepository(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestImageAllowed(t *testing.T) {
	cfg := Config{
		FhirServerImage:      "ghcr.io/fhirfleet/fhirserver:1.0",
		AllowedImagePrefixes: []string{"ghcr.io/fhirfleet/fhirserver", "registry.example.org/fhirfleet/"},
	}
	tests := []struct {
		image string
		want  bool
	}{
		{"ghcr.io/fhirfleet/fhirserver:1.0", true},
		{"ghcr.io/fhirfleet/fhirserver:1.1-rc1", true},
		{"ghcr.io/fhirfleet/fhirserver@sha256:0123", true},
		{"ghcr.io/fhirfleet/fhirserver", true},
		{"ghcr.io/fhirfleet/fhirserver-evil:1", false},
		{"ghcr.io/fhirfleet/other:1", false},
		{"registry.example.org/fhirfleet/fhirserver:2", true},
		{"registry.example.org/fhirfleet/../attacker/miner:1", false},
		{"registry.example.org/fhirfleetx/fhirserver:2", false},
		{"docker.io/attacker/miner:latest", false},
		{"miner", false},
	}
	for _, tt := range tests {
		if got := imageAllowed(cfg, tt.image); got != tt.want {
			t.Errorf("imageAllowed(%q) = %v, want %v", tt.image, got, tt.want)
		}
	}
	if !imageAllowed(Config{FhirServerImage: "fhirserver:dev"}, "fhirserver:dev") {
		t.Error("the manager's own image must run even with no prefixes")
	}
}

func TestCheckSpecPolicy(t *testing.T) {
	cfg := Config{
		FhirServerImage:           "registry.example.test/fhirserver:1",
		AllowedImagePrefixes:      []string{"registry.example.test/"},
		AllowedIngressAnnotations: DefaultAllowedIngressAnnotations(),
	}
	many := map[string]string{}
	for i := range 1000 {
		many[fmt.Sprintf("example.com/%s-%04d", strings.Repeat("k", 200), i)] = "v"
	}
	tests := []struct {
		name        string
		spec        fhirv1.FhirEndpointSpec
		wantStatus  metav1.ConditionStatus
		wantReason  string
		wantInMsg   []string
		wantRefused bool
	}{
		{"nothing special", fhirv1.FhirEndpointSpec{}, metav1.ConditionTrue, fhirv1.ReasonAccepted, nil, false},
		{"an allowed image", fhirv1.FhirEndpointSpec{Image: "registry.example.test/fhirserver:2"}, metav1.ConditionTrue, fhirv1.ReasonAccepted, nil, false},
		{"an image elsewhere", fhirv1.FhirEndpointSpec{Image: "docker.io/attacker/miner:1"}, metav1.ConditionFalse, fhirv1.ReasonImageRefused,
			[]string{`spec.image "docker.io/attacker/miner:1"`, "registry.example.test/"}, true},
		{"a snippet", fhirv1.FhirEndpointSpec{Ingress: fhirv1.IngressSpec{Annotations: map[string]string{"nginx.ingress.kubernetes.io/server-snippet": "x"}}},
			metav1.ConditionFalse, fhirv1.ReasonAnnotationsRefused, []string{"nginx.ingress.kubernetes.io/server-snippet"}, false},
		{"both", fhirv1.FhirEndpointSpec{Image: "evil:1", Ingress: fhirv1.IngressSpec{Annotations: map[string]string{"nginx.ingress.kubernetes.io/server-alias": "x"}}},
			metav1.ConditionFalse, fhirv1.ReasonImageAndAnnotationsRefused, []string{`"evil:1"`, "nginx.ingress.kubernetes.io/server-alias"}, true},
		{"a thousand long keys still make a message the API server takes", fhirv1.FhirEndpointSpec{Ingress: fhirv1.IngressSpec{Annotations: many}},
			metav1.ConditionFalse, fhirv1.ReasonAnnotationsRefused, []string{"and 980 more"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scope{endpoint: &fhirv1.FhirEndpoint{Spec: tt.spec}, cfg: cfg}
			if err := checkSpecPolicy(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			c := meta.FindStatusCondition(s.endpoint.Status.Conditions, fhirv1.ConditionSpecAccepted)
			if c == nil || c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Fatalf("SpecAccepted = %+v, want %s/%s", c, tt.wantStatus, tt.wantReason)
			}
			for _, want := range tt.wantInMsg {
				if !strings.Contains(c.Message, want) {
					t.Errorf("message %q lacks %q", c.Message, want)
				}
			}
			if len(c.Message) > 32768 {
				t.Errorf("message is %d bytes, over the API server's limit", len(c.Message))
			}
			if s.imageRefused != tt.wantRefused {
				t.Errorf("imageRefused = %v", s.imageRefused)
			}
		})
	}
}
