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
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zapcore"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

const (
	fleetSize     = 50
	upgradeLimit5 = 5
	imageV1       = "registry.example.test/fhirserver:v1"
	imageV2       = "registry.example.test/fhirserver:v2"
	imageBroken   = "registry.example.test/fhirserver:v3-broken"
)

// TestFleetRollout upgrades a fleet of 50 servers on a real API server, as
// an operator upgrade does: a manager on v1 provisions them, then a manager
// started with v2 and --max-concurrent-upgrades 5 rolls them. The test plays
// the StatefulSet controller (envtest has none), marking a switched server
// ready one at a time, and watches every StatefulSet change: at no point are
// more than five servers not ready. Then a manager with an image whose
// servers never become ready halts after the first five, and the rollout
// resumes only when a person pins the stalled endpoints back.
func TestFleetRollout(t *testing.T) {
	g := NewWithT(t)
	// Errors only, as the benchmark: the suite may not have set a logger when run alone.
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	env, cfg, err := startControlPlane()
	g.Expect(err).NotTo(HaveOccurred())
	// Managers and the watch end before the API server stops.
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		g.Expect(env.Stop()).To(Succeed())
	}()
	cfg.QPS, cfg.Burst = 500, 1000
	scheme, err := testScheme()
	g.Expect(err).NotTo(HaveOccurred())
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())
	const ns = "fleet"
	g.Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())

	// A manager of the old release provisions the fleet; every server is ready.
	stopOld := runFleetManager(ctx, t, cfg, func(r *FhirEndpointReconciler) { r.Config.FhirServerImage = imageV1 })
	for i := range fleetSize {
		g.Expect(c.Create(ctx, &fhirv1.FhirEndpoint{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ep-%02d", i), Namespace: ns},
			Spec:       fhirv1.FhirEndpointSpec{Customer: "acme", Feed: fmt.Sprintf("f-%02d", i), FHIRVersion: fhirv1.FHIRVersionR4},
		})).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		g.Expect(markSwitchedReady(ctx, g, c, ns, imageV1, fleetSize)).To(Equal(fleetSize))
	}).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	stopOld()

	track := watchReadiness(ctx, t, c, ns)

	// The upgrade: at most five servers switched and not ready at any one
	// time, and every one of the fifty gets there. The new release also
	// passes the servers a new flag: a server waiting on v1 keeps v1's
	// command, which is all v1 knows.
	rollout, err := NewRollout(prometheus.NewRegistry())
	g.Expect(err).NotTo(HaveOccurred())
	stopNew := runFleetManager(ctx, t, cfg, func(r *FhirEndpointReconciler) {
		r.Config.FhirServerImage = imageV2
		r.Config.ServerTrustedProxies = []string{"10.0.0.0/8"}
		r.Config.MaxConcurrentUpgrades = intstr.FromInt32(upgradeLimit5)
		r.Config.UpgradeReadyTimeout = time.Hour
		r.Config.UpgradeRecheckInterval = 200 * time.Millisecond
		r.Rollout = rollout
	})
	g.Eventually(func(g Gomega) {
		expectCommandsFollowImages(ctx, g, c, ns)
		g.Expect(markSwitchedReady(ctx, g, c, ns, imageV2, 1)).To(Equal(fleetSize))
	}).WithTimeout(90 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	g.Expect(track.max()).To(Equal(upgradeLimit5), "most servers not ready at once during the rollout")
	g.Eventually(func(g Gomega) {
		e := &fhirv1.FhirEndpoint{}
		g.Expect(c.Get(ctx, keyOf(ns, "ep-17"), e)).To(Succeed())
		g.Expect(e.Status.Image).To(Equal(imageV2))
		g.Expect(meta.IsStatusConditionTrue(e.Status.Conditions, fhirv1.ConditionUpToDate)).To(BeTrue())
	}).WithTimeout(10 * time.Second).Should(Succeed())
	stopNew()

	// A broken image: the first five switch, never become ready, and halt
	// the rollout; a slot freed by one of them coming up is not used.
	track.reset()
	rollout, err = NewRollout(prometheus.NewRegistry())
	g.Expect(err).NotTo(HaveOccurred())
	stopBroken := runFleetManager(ctx, t, cfg, func(r *FhirEndpointReconciler) {
		r.Config.FhirServerImage = imageBroken
		r.Config.MaxConcurrentUpgrades = intstr.FromInt32(upgradeLimit5)
		r.Config.UpgradeReadyTimeout = 3 * time.Second
		r.Config.UpgradeRecheckInterval = 200 * time.Millisecond
		r.Rollout = rollout
	})
	defer stopBroken()
	var stalled []string
	g.Eventually(func(g Gomega) {
		stalled = endpointsWithUpToDate(ctx, g, c, ns, fhirv1.ReasonUpgradeStalled)
		g.Expect(stalled).To(HaveLen(upgradeLimit5))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(onImage(ctx, g, c, ns, imageBroken)).To(ConsistOf(stalled))
	g.Expect(testutil.ToFloat64(rollout.halted)).To(Equal(1.0))
	g.Eventually(func() []string { return stalledEvents(ctx, g, c, ns) }).WithTimeout(10 * time.Second).Should(ConsistOf(stalled))

	markReady(ctx, g, c, ns, stalled[0])
	g.Consistently(func(g Gomega) {
		g.Expect(onImage(ctx, g, c, ns, imageBroken)).To(ConsistOf(stalled))
	}).WithTimeout(2 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	// Each of the others says so once it is reconciled after the halt,
	// which on a loaded machine may take a while for forty-five of them.
	g.Eventually(func(g Gomega) {
		g.Expect(endpointsWithUpToDate(ctx, g, c, ns, fhirv1.ReasonUpgradeQueued)).To(HaveLen(fleetSize-upgradeLimit5),
			"the others wait, their UpToDate naming the halt")
	}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	g.Expect(track.max()).To(BeNumerically("<=", upgradeLimit5))

	// A person acts: the stalled endpoints are pinned to the image that
	// works; they roll back, and the rollout goes on without them.
	for _, name := range stalled[1:] {
		g.Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			e := &fhirv1.FhirEndpoint{}
			if err := c.Get(ctx, keyOf(ns, name), e); err != nil {
				return err
			}
			e.Spec.Image = imageV2
			return c.Update(ctx, e)
		})).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		markSwitchedReady(ctx, g, c, ns, imageV2, fleetSize)
		g.Expect(testutil.ToFloat64(rollout.halted)).To(Equal(0.0))
		g.Expect(len(onImage(ctx, g, c, ns, imageBroken))).To(BeNumerically(">", 1), "the rollout resumed")
	}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
}

// runFleetManager starts a manager configured by configure and returns a
// function that stops it and waits until it has.
func runFleetManager(ctx context.Context, t *testing.T, cfg *rest.Config, configure func(*FhirEndpointReconciler)) func() {
	t.Helper()
	scheme, err := testScheme()
	if err != nil {
		t.Fatal(err)
	}
	mctx, stop := context.WithCancel(ctx)
	_, _, stopped, err := startManagerWith(mctx, cfg, scheme, 4, configure)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			stop()
			<-stopped
		})
	}
}

// markSwitchedReady marks at most n StatefulSets on image that are not
// rolled out as ready, as the StatefulSet controller would once the new pod
// is; it returns how many on image are rolled out.
func markSwitchedReady(ctx context.Context, g Gomega, c client.Client, ns, image string, n int) int {
	var list appsv1.StatefulSetList
	g.Expect(c.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	done := 0
	for i := range list.Items {
		sts := &list.Items[i]
		switch {
		case containerImage(sts) != image:
		case rolledOut(sts):
			done++
		case n > 0:
			markReady(ctx, g, c, ns, sts.Name)
			n--
		}
	}
	return done
}

func markReady(ctx context.Context, g Gomega, c client.Client, ns, name string) {
	g.Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sts := &appsv1.StatefulSet{}
		if err := c.Get(ctx, keyOf(ns, name), sts); err != nil {
			return err
		}
		sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation, Replicas: 1, ReadyReplicas: 1,
			AvailableReplicas: 1, CurrentReplicas: 1, UpdatedReplicas: 1}
		return c.Status().Update(ctx, sts)
	})).To(Succeed())
}

// expectCommandsFollowImages: a server on v1 runs v1's command, one on v2
// the new release's (with --trusted-proxies).
func expectCommandsFollowImages(ctx context.Context, g Gomega, c client.Client, ns string) {
	var list appsv1.StatefulSetList
	g.Expect(c.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	for _, sts := range list.Items {
		image, command := serverContainer(&sts)
		g.Expect(slices.Contains(command, "--trusted-proxies")).To(Equal(image == imageV2), "%s on %s runs %q", sts.Name, image, command)
	}
}

// onImage names the StatefulSets whose server runs image.
func onImage(ctx context.Context, g Gomega, c client.Client, ns, image string) []string {
	var list appsv1.StatefulSetList
	g.Expect(c.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, sts := range list.Items {
		if containerImage(&sts) == image {
			names = append(names, sts.Name)
		}
	}
	return names
}

// endpointsWithUpToDate names the endpoints whose UpToDate has reason.
func endpointsWithUpToDate(ctx context.Context, g Gomega, c client.Client, ns, reason string) []string {
	var list fhirv1.FhirEndpointList
	g.Expect(c.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, e := range list.Items {
		if cond := meta.FindStatusCondition(e.Status.Conditions, fhirv1.ConditionUpToDate); cond != nil && cond.Reason == reason {
			names = append(names, e.Name)
		}
	}
	slices.Sort(names)
	return names
}

// stalledEvents names the endpoints with a Warning UpgradeStalled Event.
func stalledEvents(ctx context.Context, g Gomega, c client.Client, ns string) []string {
	var list eventsv1.EventList
	g.Expect(c.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, ev := range list.Items {
		if ev.Type == corev1.EventTypeWarning && ev.Reason == fhirv1.ReasonUpgradeStalled && !slices.Contains(names, ev.Regarding.Name) {
			names = append(names, ev.Regarding.Name)
		}
	}
	return names
}

// readinessTracker follows every StatefulSet change in a namespace, in the
// API server's order, and keeps the most that were not rolled out at once:
// an exact check, where sampling between polls could miss a moment.
type readinessTracker struct {
	mu       sync.Mutex
	notReady map[string]bool
	most     int
}

func watchReadiness(ctx context.Context, t *testing.T, c client.WithWatch, ns string) *readinessTracker {
	t.Helper()
	w, err := c.Watch(ctx, &appsv1.StatefulSetList{}, client.InNamespace(ns))
	if err != nil {
		t.Fatal(err)
	}
	tr := &readinessTracker{notReady: map[string]bool{}}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			sts, ok := ev.Object.(*appsv1.StatefulSet)
			if !ok {
				continue
			}
			tr.mu.Lock()
			tr.notReady[sts.Name] = ev.Type != watch.Deleted && !rolledOut(sts)
			n := 0
			for _, v := range tr.notReady {
				if v {
					n++
				}
			}
			tr.most = max(tr.most, n)
			tr.mu.Unlock()
		}
	}()
	return tr
}

func (tr *readinessTracker) max() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.most
}

// reset starts counting again from the current state.
func (tr *readinessTracker) reset() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.most = 0
}

// planUpgrade gates only an operator upgrade of a running, unpinned server;
// one already upgrading moves on to a newer image without a new slot.
func TestPlanUpgrade(t *testing.T) {
	ctx := context.Background()
	cfg := Config{FhirServerImage: "img:3", MaxConcurrentUpgrades: intstr.FromInt32(1), UpgradeReadyTimeout: 10 * time.Minute}
	tests := []struct {
		name        string
		pin         string
		suspended   bool
		live        *appsv1.StatefulSet
		wantImage   string
		wantStarted bool
		wantQueued  bool
		wantCommand []string
	}{
		{name: "new endpoint", wantImage: "img:3"},
		{name: "already current", live: fleetSTS("ep", "img:3", time.Time{}, true), wantImage: "img:3"},
		{name: "no slot: keeps its image and command", live: fleetSTS("ep", "img:1", time.Time{}, true), wantImage: "img:1", wantQueued: true,
			wantCommand: []string{"fhirserver", "--v1-flag"}},
		{name: "pinned: its author's change", pin: "img:3", live: fleetSTS("ep", "img:1", time.Time{}, true), wantImage: "img:3"},
		{name: "suspended: no pod to wait for", suspended: true, live: fleetSTS("ep", "img:1", time.Time{}, true), wantImage: "img:3"},
		{name: "stalled on a bad image: moves to the fixed one with a fresh clock",
			live: fleetSTS("ep", "img:2", rolloutEpoch.Add(-time.Hour), false), wantImage: "img:3", wantStarted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The other slot is held by a server upgrading in time.
			objs := []client.Object{fleetSTS("busy", "img:3", rolloutEpoch.Add(-time.Minute), false)}
			if tt.live != nil {
				objs = append(objs, tt.live)
			}
			c := fake.NewClientBuilder().WithObjects(objs...).Build()
			e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep", Namespace: "fleet"}}
			e.Spec.Image = tt.pin
			s := &scope{endpoint: e, cfg: cfg, c: c, suspended: tt.suspended, rollout: newTestRollout(t)}
			want := cfg.FhirServerImage
			if tt.pin != "" {
				want = tt.pin
			}
			up, err := planUpgrade(ctx, s, want)
			if err != nil {
				t.Fatal(err)
			}
			if up.image != tt.wantImage || (up.started != "") != tt.wantStarted || (up.queued != "") != tt.wantQueued {
				t.Errorf("planUpgrade = %+v; want image %s, started %v, queued %v", up, tt.wantImage, tt.wantStarted, tt.wantQueued)
			}
			if !slices.Equal(up.command, tt.wantCommand) {
				t.Errorf("command = %q, want %q", up.command, tt.wantCommand)
			}
			if tt.wantStarted && up.started != rolloutEpoch.Format(time.RFC3339) {
				t.Errorf("started = %s, want now (%s)", up.started, rolloutEpoch.Format(time.RFC3339))
			}
		})
	}
}
