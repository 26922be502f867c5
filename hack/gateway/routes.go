package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// state is what routing reads: the listers' content.
type state struct {
	ingresses func() ([]*networkingv1.Ingress, error)
	service   func(ns, name string) (*corev1.Service, error)
	slices    func(ns, service string) ([]*discoveryv1.EndpointSlice, error)
}

// routeError is a request the gateway cannot route, with its HTTP status.
type routeError struct {
	status int
	msg    string
}

func (e *routeError) Error() string { return e.msg }

// backend is where a request goes.
type backend struct {
	namespace, service string
	addr               string // host:port
}

// route finds the backend for host and path.
func route(s state, host, path string) (*backend, error) {
	port := "80"
	if h, p, err := net.SplitHostPort(host); err == nil {
		host, port = h, p
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ns, svc, ok := serviceHost(host); ok {
		return serviceRoute(s, ns, svc, port)
	}
	ings, err := s.ingresses()
	if err != nil {
		return nil, &routeError{502, "reading Ingresses: " + err.Error()}
	}
	var best *networkingv1.IngressBackend
	var bestNS string
	bestScore, hostSeen := -1, false
	for _, ing := range ings {
		for _, rule := range ing.Spec.Rules {
			if !hostMatches(rule.Host, host) || rule.HTTP == nil {
				continue
			}
			hostSeen = true
			for _, p := range rule.HTTP.Paths {
				if score := pathScore(p, path); score > bestScore {
					bestScore, best, bestNS = score, &p.Backend, ing.Namespace
				}
			}
		}
	}
	if best == nil {
		if hostSeen {
			return nil, &routeError{404, fmt.Sprintf("no Ingress path of host %s matches %s", host, path)}
		}
		return nil, &routeError{404, fmt.Sprintf("no Ingress rule serves host %s (kubectl get ingress -A lists the hosts)", host)}
	}
	if best.Service == nil {
		return nil, &routeError{502, fmt.Sprintf("the Ingress path for %s%s has no Service backend", host, path)}
	}
	addr, err := endpoint(s, bestNS, best.Service)
	if err != nil {
		return nil, err
	}
	return &backend{namespace: bestNS, service: best.Service.Name, addr: addr}, nil
}

// serviceHost recognises a Service's cluster DNS name,
// <service>.<namespace>.svc[.cluster.local]: requests for it come from
// processes the node agent gave HTTP_PROXY=<this gateway>, since no resolver
// here knows those names.
func serviceHost(host string) (ns, svc string, ok bool) {
	host = strings.TrimSuffix(host, ".cluster.local")
	rest, ok := strings.CutSuffix(host, ".svc")
	if !ok {
		return "", "", false
	}
	svc, ns, ok = strings.Cut(rest, ".")
	if !ok || svc == "" || ns == "" || strings.Contains(ns, ".") {
		return "", "", false
	}
	return ns, svc, true
}

// serviceRoute is a ready endpoint of the Service's port numbered port.
func serviceRoute(s state, ns, svc, port string) (*backend, error) {
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, &routeError{400, fmt.Sprintf("port %q of Service %s/%s is not a number", port, ns, svc)}
	}
	addr, err := endpoint(s, ns, &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: int32(n)}})
	if err != nil {
		return nil, err
	}
	return &backend{namespace: ns, service: svc, addr: addr}, nil
}

func hostMatches(ruleHost, host string) bool {
	if ruleHost == "" || ruleHost == host {
		return true
	}
	if suffix, ok := strings.CutPrefix(ruleHost, "*"); ok {
		// *.example.com covers one label: a.example.com, not a.b.example.com.
		rest, ok := strings.CutSuffix(host, suffix)
		return ok && rest != "" && !strings.Contains(rest, ".")
	}
	return false
}

// pathScore ranks how a path of an Ingress matches (-1: not at all); longer
// matches win and Exact beats Prefix of the same length.
func pathScore(p networkingv1.HTTPIngressPath, path string) int {
	if p.PathType != nil && *p.PathType == networkingv1.PathTypeExact {
		if p.Path == path {
			return 2*len(p.Path) + 1
		}
		return -1
	}
	prefix := strings.TrimSuffix(p.Path, "/")
	if prefix == "" || path == prefix || strings.HasPrefix(path, prefix+"/") {
		return 2 * len(prefix)
	}
	return -1
}

// endpoint is a ready address of the Service's port.
func endpoint(s state, ns string, b *networkingv1.IngressServiceBackend) (string, error) {
	svc, err := s.service(ns, b.Name)
	if err != nil {
		return "", &routeError{502, fmt.Sprintf("Service %s/%s: %v", ns, b.Name, err)}
	}
	portName := b.Port.Name
	if portName == "" {
		found := false
		for _, p := range svc.Spec.Ports {
			if p.Port == b.Port.Number {
				portName, found = p.Name, true
			}
		}
		if !found {
			return "", &routeError{502, fmt.Sprintf("Service %s/%s has no port %d", ns, b.Name, b.Port.Number)}
		}
	}
	slices, err := s.slices(ns, b.Name)
	if err != nil {
		return "", &routeError{502, err.Error()}
	}
	for _, sl := range slices {
		for _, p := range sl.Ports {
			if p.Name == nil || *p.Name != portName || p.Port == nil {
				continue
			}
			for _, e := range sl.Endpoints {
				if e.Conditions.Ready != nil && !*e.Conditions.Ready || len(e.Addresses) == 0 {
					continue
				}
				return net.JoinHostPort(dialable(e.Addresses[0]), fmt.Sprint(*p.Port)), nil
			}
		}
	}
	return "", &routeError{502, fmt.Sprintf("Service %s/%s has no ready endpoint on port %q (is its pod running and ready? kubectl get pods -n %s)", ns, b.Name, portName, ns)}
}

// dialable is where to connect for an endpoint address: names under
// .localhost (the node agent's FQDN endpoints) are loopback, resolved here
// because not every system resolver knows that.
func dialable(addr string) string {
	if addr == "localhost" || strings.HasSuffix(strings.TrimSuffix(addr, "."), ".localhost") {
		return "127.0.0.1"
	}
	return addr
}

func selectorForService(name string) labels.Selector {
	return labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name})
}
