package main

import (
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func ingress(ns, host string, paths ...networkingv1.HTTPIngressPath) *networkingv1.Ingress {
	return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "i"}, Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
	}}}}
}

func path(p string, typ networkingv1.PathType, svc string, port networkingv1.ServiceBackendPort) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: p, PathType: &typ, Backend: networkingv1.IngressBackend{
		Service: &networkingv1.IngressServiceBackend{Name: svc, Port: port}}}
}

// testState: acme-labs routes /fhir and /oauth2 to Service acme-labs (ready
// on port 40001), /fhir/exact exactly to Service other; globex has a Service
// whose pod is not ready.
func testState() state {
	httpPort := networkingv1.ServiceBackendPort{Name: "http"}
	ings := []*networkingv1.Ingress{
		ingress("acme", "acme-labs.localhost",
			path("/fhir", networkingv1.PathTypePrefix, "acme-labs", httpPort),
			path("/oauth2", networkingv1.PathTypePrefix, "acme-labs", networkingv1.ServiceBackendPort{Number: 8080}),
			path("/fhir/exact", networkingv1.PathTypeExact, "other", httpPort)),
		ingress("globex", "globex-adt.localhost", path("/fhir", networkingv1.PathTypePrefix, "globex", httpPort)),
		ingress("wild", "*.wild.localhost", path("/", networkingv1.PathTypeImplementationSpecific, "acme-labs", httpPort)),
	}
	svc := func(ns, name string) (*corev1.Service, error) {
		if name == "missing" {
			return nil, errors.New("not found")
		}
		return &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 8080}}}}, nil
	}
	slice := func(addr string, port int32, ready bool) *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{addr}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
			Ports:     []discoveryv1.EndpointPort{{Name: ptr("http"), Port: &port}},
		}
	}
	slices := func(ns, name string) ([]*discoveryv1.EndpointSlice, error) {
		switch name {
		case "acme-labs":
			return []*discoveryv1.EndpointSlice{slice("dev.localhost", 40001, true)}, nil
		case "other":
			return []*discoveryv1.EndpointSlice{slice("10.1.2.3", 7, true)}, nil
		case "globex":
			return []*discoveryv1.EndpointSlice{slice("dev.localhost", 40002, false)}, nil
		}
		return nil, nil
	}
	return state{ingresses: func() ([]*networkingv1.Ingress, error) { return ings, nil }, service: svc, slices: slices}
}

func TestRoute(t *testing.T) {
	tests := []struct {
		host, path string
		addr       string
		status     int
		msg        string
	}{
		{"acme-labs.localhost:8080", "/fhir/Patient", "127.0.0.1:40001", 0, ""},
		{"ACME-LABS.localhost", "/fhir", "127.0.0.1:40001", 0, ""},
		{"acme-labs.localhost", "/oauth2/token", "127.0.0.1:40001", 0, ""}, // backend port by number
		{"acme-labs.localhost", "/fhir/exact", "10.1.2.3:7", 0, ""},        // Exact beats the /fhir prefix
		{"acme-labs.localhost", "/fhir/exact/x", "127.0.0.1:40001", 0, ""},
		{"a.wild.localhost", "/anything", "127.0.0.1:40001", 0, ""},
		{"a.b.wild.localhost", "/", "", 404, "no Ingress rule serves host a.b.wild.localhost"},
		{"acme-labs.localhost", "/fhirx", "", 404, "no Ingress path of host acme-labs.localhost matches /fhirx"},
		{"acme-labs.localhost", "/metrics", "", 404, "matches /metrics"},
		{"nobody.localhost", "/fhir", "", 404, "no Ingress rule serves host nobody.localhost"},
		{"globex-adt.localhost", "/fhir/Patient", "", 502, `Service globex/globex has no ready endpoint on port "http"`},
		// A Service's cluster name (a proxied request from a pod): its port by number.
		{"acme-labs.acme.svc:8080", "/fhir/$changes", "127.0.0.1:40001", 0, ""},
		{"acme-labs.acme.svc.cluster.local:8080", "/anything", "127.0.0.1:40001", 0, ""},
		{"acme-labs.acme.svc", "/fhir", "", 502, "has no port 80"},
		{"acme-labs.acme.svc:http", "/fhir", "", 400, "is not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.host+tc.path, func(t *testing.T) {
			b, err := route(testState(), tc.host, tc.path)
			if tc.status == 0 {
				if err != nil || b.addr != tc.addr {
					t.Fatalf("route = %+v, %v; want %s", b, err, tc.addr)
				}
				return
			}
			var re *routeError
			if !errors.As(err, &re) || re.status != tc.status || !strings.Contains(re.msg, tc.msg) {
				t.Fatalf("route error %v, want %d %q", err, tc.status, tc.msg)
			}
		})
	}
}
