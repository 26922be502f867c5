package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// portsAnnotation carries a pod's local port per container port name.
const portsAnnotation = "dev.fhirfleet.io/ports"

// agent runs the pods bound to one node.
type agent struct {
	cs            kubernetes.Interface
	node          string
	state, binDir string
	kubeconfig    string
	httpProxy     string
	probeInterval time.Duration
	log           *slog.Logger
	pods          corelisters.PodLister
	secrets       corelisters.SecretLister
	configMaps    corelisters.ConfigMapLister
	services      corelisters.ServiceLister
	claims        corelisters.PersistentVolumeClaimLister
	slices        discoverylisters.EndpointSliceLister
	kick          chan struct{}
	ports         *portAllocator
	procs         map[types.UID]*running
	stopping      sync.WaitGroup
	startFailures map[types.UID]string
}

// running is a pod this agent has started.
type running struct {
	pod     types.NamespacedName
	ports   map[string]int
	proc    *proc
	gone    bool   // stop has been asked for
	secrets string // the versions of the Secrets its volumes were written from
}

func (a *agent) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// start wires the informers; run then syncs on every change.
func (a *agent) start(ctx context.Context) error {
	f := informers.NewSharedInformerFactory(a.cs, 10*time.Minute)
	inf := []cache.SharedIndexInformer{
		f.Core().V1().Pods().Informer(), f.Core().V1().Secrets().Informer(), f.Core().V1().ConfigMaps().Informer(),
		f.Core().V1().Services().Informer(), f.Core().V1().PersistentVolumeClaims().Informer(),
		f.Discovery().V1().EndpointSlices().Informer(),
	}
	h := cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { a.wake() }, UpdateFunc: func(any, any) { a.wake() }, DeleteFunc: func(any) { a.wake() },
	}
	for _, i := range inf {
		if _, err := i.AddEventHandler(h); err != nil {
			return err
		}
	}
	a.pods = f.Core().V1().Pods().Lister()
	a.secrets = f.Core().V1().Secrets().Lister()
	a.configMaps = f.Core().V1().ConfigMaps().Lister()
	a.services = f.Core().V1().Services().Lister()
	a.claims = f.Core().V1().PersistentVolumeClaims().Lister()
	a.slices = f.Discovery().V1().EndpointSlices().Lister()
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("informer for %v did not sync", typ)
		}
	}
	return nil
}

// run syncs until ctx ends, then stops every process it started.
func (a *agent) run(ctx context.Context) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		a.sync(ctx)
		select {
		case <-ctx.Done():
			a.stopAll()
			return
		case <-a.kick:
		case <-tick.C:
		}
	}
}

func (a *agent) sync(ctx context.Context) {
	pods, err := a.pods.List(labels.Everything())
	if err != nil {
		a.log.Error("list pods", "err", err)
		return
	}
	seen := map[types.UID]bool{}
	for _, pod := range pods {
		switch {
		case pod.Spec.NodeName == "" && pod.DeletionTimestamp == nil:
			a.bind(ctx, pod)
		case pod.Spec.NodeName != a.node:
		case pod.DeletionTimestamp != nil:
			seen[pod.UID] = true
			a.terminate(ctx, pod)
		default:
			seen[pod.UID] = true
			a.ensure(ctx, pod)
		}
	}
	for uid := range a.startFailures {
		if !seen[uid] {
			delete(a.startFailures, uid)
		}
	}
	for uid, r := range a.procs {
		if !seen[uid] && !r.gone {
			a.log.Info("pod gone, stopping its process", "pod", r.pod)
			a.stopAsync(r)
		}
		if r.gone && r.proc.snapshot().Stopped && !seen[uid] {
			a.ports.release(r.ports)
			delete(a.procs, uid)
		}
	}
	a.syncClaims(ctx)
	a.syncEndpointSlices(ctx)
}

func (a *agent) bind(ctx context.Context, pod *corev1.Pod) {
	err := a.cs.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: a.node},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsConflict(err) {
		a.log.Error("bind pod", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		return
	}
	a.log.Info("bound pod", "pod", pod.Namespace+"/"+pod.Name)
}

// ensure starts the pod's process if it is not running, refreshes its
// Secret files, and reports its status.
func (a *agent) ensure(ctx context.Context, pod *corev1.Pod) {
	r, ok := a.procs[pod.UID]
	if ok && !r.gone {
		// Rewritten only when a Secret changed: a sync must stay cheap
		// with hundreds of pods.
		if v := a.secretVersions(pod); v != r.secrets {
			_, err := prepareVolumes(a.state, pod, a.secretGetter(pod.Namespace))
			switch {
			case err == nil:
				r.secrets = v
			case a.startFailures[pod.UID] != err.Error():
				// Once per distinct error: a Secret deleted with its
				// endpoint is gone a moment before the pod.
				a.startFailures[pod.UID] = err.Error()
				a.log.Warn("refresh volumes", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			}
		}
		a.report(ctx, pod, r)
		return
	}
	if ok || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return
	}
	r, err := a.startPod(pod)
	if err != nil {
		if a.startFailures[pod.UID] != err.Error() {
			a.startFailures[pod.UID] = err.Error()
			a.log.Error("cannot start pod", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			a.reportFailure(ctx, pod, err)
		}
		return
	}
	delete(a.startFailures, pod.UID)
	r.secrets = a.secretVersions(pod)
	a.procs[pod.UID] = r
	a.report(ctx, pod, r)
}

func (a *agent) startPod(pod *corev1.Pod) (*running, error) {
	vols, err := prepareVolumes(a.state, pod, a.secretGetter(pod.Namespace))
	if err != nil {
		return nil, err
	}
	ports := map[int32]int{}
	taken := false
	defer func() {
		if !taken {
			for _, p := range ports {
				a.ports.release(map[string]int{"": p})
			}
		}
	}()
	if len(pod.Spec.Containers) > 0 {
		for _, p := range pod.Spec.Containers[0].Ports {
			if ports[p.ContainerPort], err = a.ports.take(); err != nil {
				return nil, err
			}
		}
	}
	l, err := buildLaunch(pod, vols, ports, a.kubeconfig, a.httpProxy, envLookup{
		secret: func(name, key string) (string, error) {
			s, err := a.secrets.Secrets(pod.Namespace).Get(name)
			if err != nil {
				return "", err
			}
			v, ok := s.Data[key]
			if !ok {
				return "", fmt.Errorf("secret %s has no key %s", name, key)
			}
			return string(v), nil
		},
		configMap: func(name, key string) (string, error) {
			cm, err := a.configMaps.ConfigMaps(pod.Namespace).Get(name)
			if err != nil {
				return "", err
			}
			v, ok := cm.Data[key]
			if !ok {
				return "", fmt.Errorf("configmap %s has no key %s", name, key)
			}
			return v, nil
		},
	})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(a.state, "logs"), 0o700); err != nil {
		return nil, err
	}
	c := pod.Spec.Containers[0]
	p := &proc{
		bin:      filepath.Join(a.binDir, l.Binary),
		logPath:  filepath.Join(a.state, "logs", pod.Namespace+"_"+pod.Name+".log"),
		launch:   l,
		interval: a.probeInterval,
		period:   10 * time.Second,
		changed:  a.wake,
		grace:    30 * time.Second,
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		p.grace = time.Duration(*g) * time.Second
	}
	if rp := c.ReadinessProbe; rp != nil && rp.HTTPGet != nil {
		probe, err := probeOf(rp, c, ports)
		if err != nil {
			return nil, err
		}
		p.probe = probe.get
		if rp.PeriodSeconds > 0 {
			p.period = probe.period
		}
	}
	if lp := c.LivenessProbe; lp != nil && lp.HTTPGet != nil {
		probe, err := probeOf(lp, c, ports)
		if err != nil {
			return nil, err
		}
		p.liveness, p.livePeriod, p.liveFailures, p.liveTimeout = probe.get, probe.period, probe.failures, probe.timeout
	}
	a.log.Info("starting pod", "pod", pod.Namespace+"/"+pod.Name, "binary", l.Binary, "ports", l.Ports, "log", p.logPath)
	p.run(context.Background())
	taken = true
	return &running{pod: types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}, ports: l.Ports, proc: p}, nil
}

// httpProbeSpec is an HTTP GET probe of a container, its fields left zero
// given Kubernetes' defaults (period 10 s, 3 failures, timeout 1 s).
type httpProbeSpec struct {
	get      func(ctx context.Context) bool
	period   time.Duration
	failures int
	timeout  time.Duration
}

// probeOf reads pr (an HTTP GET probe) of container c, whose ports are
// mapped to local ones by ports.
func probeOf(pr *corev1.Probe, c corev1.Container, ports map[int32]int) (httpProbeSpec, error) {
	port, err := probePort(pr.HTTPGet.Port, c, ports)
	if err != nil {
		return httpProbeSpec{}, err
	}
	spec := httpProbeSpec{
		get:    httpProbe("http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + pr.HTTPGet.Path),
		period: 10 * time.Second, failures: 3, timeout: time.Second,
	}
	if pr.PeriodSeconds > 0 {
		spec.period = time.Duration(pr.PeriodSeconds) * time.Second
	}
	if pr.FailureThreshold > 0 {
		spec.failures = int(pr.FailureThreshold)
	}
	if pr.TimeoutSeconds > 0 {
		spec.timeout = time.Duration(pr.TimeoutSeconds) * time.Second
	}
	return spec, nil
}

// probePort maps a probe's port (a container port's name or number) to the local port.
func probePort(port intstr.IntOrString, c corev1.Container, ports map[int32]int) (int, error) {
	if port.Type == intstr.Int {
		if p, ok := ports[port.IntVal]; ok {
			return p, nil
		}
		return 0, fmt.Errorf("probe port %d is not a container port", port.IntVal)
	}
	for _, cp := range c.Ports {
		if cp.Name == port.StrVal {
			return ports[cp.ContainerPort], nil
		}
	}
	return 0, fmt.Errorf("probe port %q is not a container port", port.StrVal)
}

// secretVersions names the resourceVersion of every Secret the pod's volumes
// read ("-" for one missing).
func (a *agent) secretVersions(pod *corev1.Pod) string {
	var names []string
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil {
			names = append(names, v.Secret.SecretName)
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					names = append(names, src.Secret.Name)
				}
			}
		}
	}
	out := ""
	for _, n := range names {
		rv := "-"
		if s, err := a.secrets.Secrets(pod.Namespace).Get(n); err == nil {
			rv = s.ResourceVersion
		}
		out += n + "@" + rv + ";"
	}
	return out
}

func (a *agent) secretGetter(ns string) secretGetter {
	return func(name string) (*corev1.Secret, error) { return a.secrets.Secrets(ns).Get(name) }
}

// terminate stops a pod being deleted and then removes it, as a kubelet does.
func (a *agent) terminate(ctx context.Context, pod *corev1.Pod) {
	r, ok := a.procs[pod.UID]
	if ok && !r.gone {
		a.log.Info("pod deleted, stopping its process", "pod", pod.Namespace+"/"+pod.Name)
		a.stopAsync(r)
		return
	}
	if ok && !r.proc.snapshot().Stopped {
		return // still draining
	}
	zero := int64(0)
	err := a.cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		a.log.Error("remove pod", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		return
	}
	if err := os.RemoveAll(podDir(a.state, pod)); err != nil {
		a.log.Error("remove pod folder", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

func (a *agent) stopAsync(r *running) {
	r.gone = true
	a.stopping.Add(1)
	go func() {
		defer a.stopping.Done()
		r.proc.stop()
		a.wake()
	}()
}

// stopAll stops every process and waits for them.
func (a *agent) stopAll() {
	for _, r := range a.procs {
		if !r.gone {
			a.stopAsync(r)
		}
	}
	a.stopping.Wait()
}

func portsJSON(ports map[string]int) string {
	b, _ := json.Marshal(ports)
	return string(b)
}
