package main

import (
	"fmt"
	"net"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// binaries are the local programs a pod can run, matched against the image name.
var binaries = []string{"aggregator", "fhirserver"}

// binaryFor is the program an image stands for: the last path element of the
// image (without tag or digest) containing one of binaries. "" when none does.
func binaryFor(image string) string {
	name := image
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	name = name[strings.LastIndex(name, "/")+1:]
	if i := strings.Index(name, ":"); i >= 0 {
		name = name[:i]
	}
	for _, b := range binaries {
		if strings.Contains(name, b) {
			return b
		}
	}
	return ""
}

// launch is how one pod runs here.
type launch struct {
	Binary string         // e.g. fhirserver
	Args   []string       // without the program name
	Env    []string       // KEY=value
	Ports  map[string]int // container port name (or number as text) → local port
}

// rewriter maps what a pod says (mount paths, container ports) to what this
// machine has (folders, loopback ports).
type rewriter struct {
	mounts map[string]string // mount path → local folder
	ports  map[int32]int     // container port → local port
}

// value rewrites one argument or environment value: a mount path or a path
// below it becomes the local folder; a listen address on a container port
// becomes 127.0.0.1:<local port>. "--flag=value" is rewritten in its value.
func (r rewriter) value(v string) string {
	if strings.HasPrefix(v, "-") {
		if i := strings.Index(v, "="); i > 0 {
			return v[:i+1] + r.value(v[i+1:])
		}
		return v
	}
	// Longest mount path first, so /data/x is not taken by /data.
	paths := make([]string, 0, len(r.mounts))
	for p := range r.mounts {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	for _, p := range paths {
		if v == p || strings.HasPrefix(v, strings.TrimSuffix(p, "/")+"/") {
			return filepath.Join(r.mounts[p], strings.TrimPrefix(v, p))
		}
	}
	if host, port, err := net.SplitHostPort(v); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		if n, err := strconv.Atoi(port); err == nil {
			if local, ok := r.ports[int32(n)]; ok {
				return "127.0.0.1:" + strconv.Itoa(local)
			}
		}
	}
	return v
}

// envLookup resolves valueFrom references.
type envLookup struct {
	secret    func(name, key string) (string, error)
	configMap func(name, key string) (string, error)
}

// buildLaunch turns the pod's first container into a local command. mounts
// maps each volume name to its local folder; ports maps each container port
// to a free local port; kubeconfig is handed to an aggregator.
func buildLaunch(pod *corev1.Pod, volumes map[string]string, ports map[int32]int, kubeconfig, httpProxy string, look envLookup) (*launch, error) {
	if len(pod.Spec.Containers) == 0 {
		return nil, fmt.Errorf("pod %s/%s has no container", pod.Namespace, pod.Name)
	}
	c := pod.Spec.Containers[0]
	bin := binaryFor(c.Image)
	if bin == "" {
		return nil, fmt.Errorf("image %q names no local binary (want one of %s)", c.Image, strings.Join(binaries, ", "))
	}
	r := rewriter{mounts: map[string]string{}, ports: ports}
	for _, m := range c.VolumeMounts {
		dir, ok := volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %s: no volume %q here", m.MountPath, m.Name)
		}
		r.mounts[m.MountPath] = filepath.Join(dir, m.SubPath)
	}

	words := append(append([]string{}, c.Command...), c.Args...)
	if len(c.Command) > 0 {
		words = words[1:] // the program itself: the image's binary runs instead
	}
	l := &launch{Binary: bin, Ports: map[string]int{}}
	for _, w := range words {
		l.Args = append(l.Args, r.value(w))
	}
	for _, p := range c.Ports {
		key := p.Name
		if key == "" {
			key = strconv.Itoa(int(p.ContainerPort))
		}
		l.Ports[key] = ports[p.ContainerPort]
	}

	set := map[string]bool{}
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			var err error
			if v, err = resolveEnv(pod, e.ValueFrom, look); err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
		}
		l.Env = append(l.Env, e.Name+"="+r.value(v))
		set[e.Name] = true
	}
	prefix := strings.ToUpper(bin) + "_"
	// Listen addresses not given are the binary's defaults (:8080, :9090),
	// which every pod would share: point them at the pod's own ports.
	for flag, portName := range map[string]string{"--listen": "http", "--metrics-listen": "metrics"} {
		env := prefix + strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(flag, "--"), "-", "_"))
		if hasFlag(l.Args, flag) || set[env] {
			continue
		}
		if p, ok := l.Ports[portName]; ok {
			l.Env = append(l.Env, env+"=127.0.0.1:"+strconv.Itoa(p))
		}
	}
	if bin == "aggregator" && kubeconfig != "" && !hasFlag(l.Args, "--kubeconfig") && !set[prefix+"KUBECONFIG"] {
		l.Env = append(l.Env, prefix+"KUBECONFIG="+kubeconfig)
	}
	// Cluster names (<svc>.<ns>.svc) resolve nowhere here: plain HTTP to
	// them (and to *.localhost hosts) goes through the gateway, which knows
	// the Services. Loopback addresses are never proxied (Go's rule).
	if httpProxy != "" && !set["HTTP_PROXY"] && !set["http_proxy"] {
		l.Env = append(l.Env, "HTTP_PROXY="+httpProxy, "http_proxy="+httpProxy)
	}
	if dir, ok := r.mounts["/tmp"]; ok && !set["TMPDIR"] {
		l.Env = append(l.Env, "TMPDIR="+dir)
	}
	return l, nil
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

func resolveEnv(pod *corev1.Pod, from *corev1.EnvVarSource, look envLookup) (string, error) {
	switch {
	case from.SecretKeyRef != nil:
		v, err := look.secret(from.SecretKeyRef.Name, from.SecretKeyRef.Key)
		if err != nil && from.SecretKeyRef.Optional != nil && *from.SecretKeyRef.Optional {
			return "", nil
		}
		return v, err
	case from.ConfigMapKeyRef != nil:
		v, err := look.configMap(from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key)
		if err != nil && from.ConfigMapKeyRef.Optional != nil && *from.ConfigMapKeyRef.Optional {
			return "", nil
		}
		return v, err
	case from.FieldRef != nil:
		switch from.FieldRef.FieldPath {
		case "metadata.name":
			return pod.Name, nil
		case "metadata.namespace":
			return pod.Namespace, nil
		case "metadata.uid":
			return string(pod.UID), nil
		case "spec.nodeName":
			return pod.Spec.NodeName, nil
		case "spec.serviceAccountName":
			return pod.Spec.ServiceAccountName, nil
		case "status.podIP", "status.hostIP":
			return "127.0.0.1", nil
		}
		return "", fmt.Errorf("fieldRef %s is not supported by the node agent", from.FieldRef.FieldPath)
	}
	return "", fmt.Errorf("only secretKeyRef, configMapKeyRef and fieldRef are supported by the node agent")
}
