package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDesiredSlice(t *testing.T) {
	pod := serverPod("ghcr.io/fhirfleet/fhirserver:v1")
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "acme-labs", Namespace: "acme", UID: "u"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
		{Name: "http", Port: 8080, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
		{Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP}, // targetPort unset: the same number
		{Name: "other", Port: 7000, TargetPort: intstr.FromInt32(7000)},
	}}}
	ports := map[string]int{"http": 40001, "metrics": 40002}
	s := desiredSlice(svc, pod, ports, true, "dev")
	if s == nil || s.Labels["kubernetes.io/service-name"] != "acme-labs" || s.Labels["endpointslice.kubernetes.io/managed-by"] != managedBy {
		t.Fatalf("slice %+v", s)
	}
	if len(s.Ports) != 2 || *s.Ports[0].Name != "http" || *s.Ports[0].Port != 40001 || *s.Ports[1].Name != "metrics" || *s.Ports[1].Port != 40002 {
		t.Errorf("ports %+v", s.Ports)
	}
	e := s.Endpoints[0]
	if e.Addresses[0] != localAddress || !*e.Conditions.Ready || *e.Conditions.Terminating || e.TargetRef.Name != "acme-labs-0" {
		t.Errorf("endpoint %+v", e)
	}
	// A terminating pod is not ready, whatever its probe says.
	now := metav1.Now()
	pod.DeletionTimestamp = &now
	if s := desiredSlice(svc, pod, ports, true, "dev"); *s.Endpoints[0].Conditions.Ready || !*s.Endpoints[0].Conditions.Terminating {
		t.Errorf("terminating endpoint %+v", s.Endpoints[0].Conditions)
	}
	// A Service with no port of the pod gets no slice.
	svc.Spec.Ports = svc.Spec.Ports[2:]
	if s := desiredSlice(svc, pod, ports, true, "dev"); s != nil {
		t.Errorf("slice for a Service the pod does not serve: %+v", s)
	}
	if sliceKey(desiredSlice(&corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 8080}}}}, serverPod("x/fhirserver"), ports, true, "dev")) == "" {
		t.Error("empty slice key")
	}
}
