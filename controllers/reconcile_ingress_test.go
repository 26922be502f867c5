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
	"slices"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

var _ = Describe("the Ingress", func() {
	It("routes the host to the Service with the manager's class by default", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "web", nil))
		ing := &networkingv1.Ingress{}
		fetch(ing, ns, "web")
		expectOwnedChild(ing, e)
		Expect(ing.Spec.IngressClassName).To(Equal(ptr.To("nginx")))
		Expect(ing.Spec.TLS).To(BeEmpty())
		Expect(ing.Spec.Rules).To(HaveLen(1))
		rule := ing.Spec.Rules[0]
		Expect(rule.Host).To(Equal("acme-web.fhir.example.test"))
		// Only the public API: not /metrics, /healthz, /readyz or anything else.
		var paths []networkingv1.HTTPIngressPath
		for _, p := range []string{"/fhir", "/oauth2", "/.well-known"} {
			paths = append(paths, networkingv1.HTTPIngressPath{
				Path: p, PathType: ptr.To(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http"}}},
			})
		}
		Expect(rule.HTTP.Paths).To(Equal(paths))
		Expect(e.Status.URL).To(Equal("https://acme-web.fhir.example.test/fhir"))

		// The ingress controller publishes an address: IngressReady says where.
		Eventually(func() error {
			fetch(ing, ns, "web")
			ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "203.0.113.7"}}
			return k8sClient.Status().Update(context.Background(), ing)
		}).Should(Succeed())
		Eventually(func() string {
			c := condition(e, fhirv1.ConditionIngressReady)()
			if c == nil {
				return ""
			}
			return c.Message
		}).Should(ContainSubstring("at 203.0.113.7"))
		Expect(e.Status.TokenURL).To(Equal("https://acme-web.fhir.example.test/oauth2/token"))
	})

	It("takes class, annotations, TLS and subdomain from the spec, and follows changes", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "tls", func(e *fhirv1.FhirEndpoint) {
			e.Spec.Subdomain = "secure"
			e.Spec.Ingress = fhirv1.IngressSpec{
				ClassName:   ptr.To("traefik"),
				Annotations: map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt"},
				TLS:         &fhirv1.IngressTLS{SecretName: "secure-tls"},
			}
		}))
		ing := &networkingv1.Ingress{}
		fetch(ing, ns, "tls")
		Expect(ing.Spec.IngressClassName).To(Equal(ptr.To("traefik")))
		Expect(ing.Annotations).To(HaveKeyWithValue("cert-manager.io/cluster-issuer", "letsencrypt"))
		Expect(ing.Spec.TLS).To(ConsistOf(networkingv1.IngressTLS{Hosts: []string{"secure.fhir.example.test"}, SecretName: "secure-tls"}))
		Expect(ing.Spec.Rules[0].Host).To(Equal("secure.fhir.example.test"))

		update(e, func(e *fhirv1.FhirEndpoint) {
			e.Spec.Subdomain = "moved"
			e.Spec.Ingress.Annotations = map[string]string{"nginx.ingress.kubernetes.io/proxy-body-size": "64m"}
		})
		Eventually(func(g Gomega) {
			fetch(ing, ns, "tls")
			g.Expect(ing.Spec.Rules[0].Host).To(Equal("moved.fhir.example.test"))
			g.Expect(ing.Spec.TLS[0].Hosts).To(ConsistOf("moved.fhir.example.test"))
			g.Expect(ing.Annotations).To(HaveKeyWithValue("nginx.ingress.kubernetes.io/proxy-body-size", "64m"))
			g.Expect(ing.Annotations).NotTo(HaveKey("cert-manager.io/cluster-issuer"), "an annotation dropped from the spec is removed")
		}).Should(Succeed())
		Eventually(func() string {
			fetch(e, ns, "tls")
			return e.Status.URL
		}).Should(Equal("https://moved.fhir.example.test/fhir"))
	})
})

func TestDesiredIngressRoutesOnlyThePublicAPI(t *testing.T) {
	e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep", Namespace: "ns"}}
	s := &scope{endpoint: e, host: "h.example.test"}
	ing := desiredIngress(s.cfg, s.ingressChild())
	var got []string
	for _, p := range ing.Spec.Rules[0].HTTP.Paths {
		got = append(got, *p.Path)
		if *p.PathType != networkingv1.PathTypePrefix || *p.Backend.Service.Port.Name != "http" {
			t.Errorf("path %s: type %s, port %v", *p.Path, *p.PathType, *p.Backend.Service.Port.Name)
		}
	}
	if want := []string{"/fhir", "/oauth2", "/.well-known"}; !slices.Equal(got, want) {
		t.Errorf("paths = %v, want %v", got, want)
	}
}

func TestDesiredIngressTLS(t *testing.T) {
	tests := []struct {
		name       string
		defaultTLS string
		specTLS    *fhirv1.IngressTLS
		want       string
	}{
		{"none", "", nil, ""},
		{"manager default", "wildcard", nil, "wildcard"},
		{"spec wins", "wildcard", &fhirv1.IngressTLS{SecretName: "own"}, "own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep", Namespace: "ns"}}
			e.Spec.Ingress.TLS = tt.specTLS
			s := &scope{endpoint: e, cfg: Config{DefaultTLSSecret: tt.defaultTLS}, host: "h.example.test"}
			ing := desiredIngress(s.cfg, s.ingressChild())
			got := ""
			if len(ing.Spec.TLS) > 0 {
				got = *ing.Spec.TLS[0].SecretName
				if len(ing.Spec.TLS[0].Hosts) != 1 || ing.Spec.TLS[0].Hosts[0] != "h.example.test" {
					t.Errorf("TLS hosts = %v", ing.Spec.TLS[0].Hosts)
				}
			}
			if got != tt.want {
				t.Errorf("TLS secret = %q, want %q", got, tt.want)
			}
		})
	}
}
