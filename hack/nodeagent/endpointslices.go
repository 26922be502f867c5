package main

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// managedBy marks the EndpointSlices this agent owns (the cluster's
// endpointslice controller is off in make dev: it would publish the
// container ports, which nothing listens on here).
const managedBy = "nodeagent.dev.fhirfleet.io"

// localAddress is the endpoint address of every process: the API server
// refuses loopback IPs in EndpointSlices, so they are of type FQDN and name a
// host under .localhost, which is loopback by definition (RFC 6761).
const localAddress = "dev.localhost"

// desiredSlice is the EndpointSlice of one pod behind one Service: address
// localAddress, each Service port at the pod's local port. nil when the
// Service has no port the pod serves.
func desiredSlice(svc *corev1.Service, pod *corev1.Pod, ports map[string]int, ready bool, node string) *discoveryv1.EndpointSlice {
	var sp []discoveryv1.EndpointPort
	for _, p := range svc.Spec.Ports {
		local, ok := localPort(p.TargetPort, p.Port, pod, ports)
		if !ok {
			continue
		}
		name, proto, port := p.Name, p.Protocol, int32(local)
		sp = append(sp, discoveryv1.EndpointPort{Name: &name, Protocol: &proto, Port: &port})
	}
	if len(sp) == 0 {
		return nil
	}
	terminating := pod.DeletionTimestamp != nil
	ready = ready && !terminating
	nodeName := node
	name := svc.Name + "-" + pod.Name
	if len(name) > 253 {
		name = name[:253]
	}
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: svc.Namespace,
			Labels: map[string]string{
				discoveryv1.LabelServiceName: svc.Name,
				discoveryv1.LabelManagedBy:   managedBy,
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID}},
		},
		AddressType: discoveryv1.AddressTypeFQDN,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{localAddress},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready, Serving: &ready, Terminating: &terminating},
			NodeName:   &nodeName,
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		}},
		Ports: sp,
	}
}

// localPort maps a Service's targetPort (a container port's name or number;
// unset means the Service port) to the pod's local port.
func localPort(target intstr.IntOrString, svcPort int32, pod *corev1.Pod, ports map[string]int) (int, bool) {
	if len(pod.Spec.Containers) == 0 {
		return 0, false
	}
	number := svcPort
	switch {
	case target.Type == intstr.String && target.StrVal != "":
		p, ok := ports[target.StrVal]
		return p, ok
	case target.IntVal != 0:
		number = target.IntVal
	}
	for _, cp := range pod.Spec.Containers[0].Ports {
		if cp.ContainerPort == number {
			key := cp.Name
			if key == "" {
				key = strconv.Itoa(int(number))
			}
			p, ok := ports[key]
			return p, ok
		}
	}
	return 0, false
}

// syncEndpointSlices makes the agent's EndpointSlices match its running pods.
func (a *agent) syncEndpointSlices(ctx context.Context) {
	want := map[types.NamespacedName]*discoveryv1.EndpointSlice{}
	svcs, err := a.services.List(labels.Everything())
	if err != nil {
		return
	}
	byNamespace := map[string][]*running{}
	for _, r := range a.procs {
		if !r.gone {
			byNamespace[r.pod.Namespace] = append(byNamespace[r.pod.Namespace], r)
		}
	}
	for _, svc := range svcs {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		for _, r := range byNamespace[svc.Namespace] {
			pod, err := a.pods.Pods(r.pod.Namespace).Get(r.pod.Name)
			if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
				continue
			}
			if s := desiredSlice(svc, pod, r.ports, r.proc.snapshot().Ready, a.node); s != nil {
				want[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}] = s
			}
		}
	}
	have, err := a.slices.List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelManagedBy: managedBy}))
	if err != nil {
		return
	}
	api := func(ns string) interface {
		Create(context.Context, *discoveryv1.EndpointSlice, metav1.CreateOptions) (*discoveryv1.EndpointSlice, error)
		Update(context.Context, *discoveryv1.EndpointSlice, metav1.UpdateOptions) (*discoveryv1.EndpointSlice, error)
		Delete(context.Context, string, metav1.DeleteOptions) error
	} {
		return a.cs.DiscoveryV1().EndpointSlices(ns)
	}
	for _, h := range have {
		key := types.NamespacedName{Namespace: h.Namespace, Name: h.Name}
		w, ok := want[key]
		delete(want, key)
		switch {
		case !ok:
			if err := api(h.Namespace).Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				a.log.Error("delete EndpointSlice", "slice", key, "err", err)
			}
		case sliceKey(w) != sliceKey(h):
			u := h.DeepCopy()
			u.Endpoints, u.Ports = w.Endpoints, w.Ports
			if _, err := api(h.Namespace).Update(ctx, u, metav1.UpdateOptions{}); apierrors.IsConflict(err) {
				a.wake() // the cache was behind: again on the next sync
			} else if err != nil {
				a.log.Error("update EndpointSlice", "slice", key, "err", err)
			}
		}
	}
	for key, w := range want {
		if _, err := api(key.Namespace).Create(ctx, w, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			a.log.Error("create EndpointSlice", "slice", key, "err", err)
		}
	}
}

// sliceKey is what this agent decides of a slice, so that fields the API
// server defaults do not count as a change (which would update forever).
func sliceKey(s *discoveryv1.EndpointSlice) string {
	k := ""
	for _, e := range s.Endpoints {
		k += fmt.Sprint(e.Addresses, deref(e.Conditions.Ready), deref(e.Conditions.Terminating), e.TargetRef.UID, ";")
	}
	for _, p := range s.Ports {
		k += fmt.Sprint(deref(p.Name), "=", deref(p.Port), ";")
	}
	return k
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
