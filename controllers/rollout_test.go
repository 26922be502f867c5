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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

var rolloutEpoch = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fleetSTS is a server StatefulSet on image; started (if not zero) marks it
// upgrading since then; ready says its controller reports it rolled out.
func fleetSTS(name, image string, started time.Time, ready bool) *appsv1.StatefulSet {
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "fleet", Generation: 2, Labels: map[string]string{LabelEndpoint: name}},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: serverName, Image: image, Command: []string{"fhirserver", "--v1-flag"}}}}}},
	}
	if !started.IsZero() {
		sts.Annotations = map[string]string{AnnotationUpgradeStarted: started.Format(time.RFC3339)}
	}
	sts.Status.ObservedGeneration = 1
	if ready {
		sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1}
	}
	return sts
}

func TestRolledOut(t *testing.T) {
	tests := []struct {
		name   string
		change func(*appsv1.StatefulSet)
		want   bool
	}{
		{"ready on the current template", func(*appsv1.StatefulSet) {}, true},
		{"controller has not seen the template", func(s *appsv1.StatefulSet) { s.Status.ObservedGeneration = 1 }, false},
		{"pod not ready", func(s *appsv1.StatefulSet) { s.Status.ReadyReplicas = 0 }, false},
		{"ready pod on the old revision", func(s *appsv1.StatefulSet) { s.Status.UpdatedReplicas = 0 }, false},
		{"revisions differ", func(s *appsv1.StatefulSet) { s.Status.CurrentRevision, s.Status.UpdateRevision = "a", "b" }, false},
		{"suspended: nothing to wait for", func(s *appsv1.StatefulSet) {
			s.Spec.Replicas = ptr.To[int32](0)
			s.Status.ReadyReplicas, s.Status.UpdatedReplicas = 0, 0
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sts := fleetSTS("a", "img:2", time.Time{}, true)
			tt.change(sts)
			if got := rolledOut(sts); got != tt.want {
				t.Errorf("rolledOut = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUpgradeState(t *testing.T) {
	tests := []struct {
		name                    string
		sts                     *appsv1.StatefulSet
		wantUpgrading, wantStop bool
	}{
		{"not upgrading", fleetSTS("a", "img:2", time.Time{}, false), false, false},
		{"upgrading, in time", fleetSTS("a", "img:2", rolloutEpoch.Add(-time.Minute), false), true, false},
		{"upgrading, past the timeout", fleetSTS("a", "img:2", rolloutEpoch.Add(-11*time.Minute), false), true, true},
		{"ready again: done, whatever the time", fleetSTS("a", "img:2", rolloutEpoch.Add(-time.Hour), true), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, stalled := upgradeState(tt.sts, rolloutEpoch, 10*time.Minute)
			if up != tt.wantUpgrading || stalled != tt.wantStop {
				t.Errorf("upgradeState = %v, %v; want %v, %v", up, stalled, tt.wantUpgrading, tt.wantStop)
			}
		})
	}
}

func TestUpgradeLimit(t *testing.T) {
	tests := []struct {
		limit intstr.IntOrString
		size  int
		want  int
	}{
		{intstr.FromInt32(5), 50, 5},
		{intstr.FromString("10%"), 50, 5},
		{intstr.FromString("10%"), 51, 6},
		{intstr.FromString("10%"), 3, 1},
		{intstr.FromString("1%"), 0, 1},
		{intstr.FromString("100%"), 40, 40},
	}
	for _, tt := range tests {
		if got := upgradeLimit(tt.limit, tt.size); got != tt.want {
			t.Errorf("upgradeLimit(%s, %d) = %d, want %d", tt.limit.String(), tt.size, got, tt.want)
		}
	}
}

func TestParseUpgradeLimit(t *testing.T) {
	for _, ok := range []string{"0", "1", "5", "1%", "10%", "100%"} {
		if _, err := ParseUpgradeLimit(ok); err != nil {
			t.Errorf("ParseUpgradeLimit(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"-1", "ten", "0%", "101%", "5.5%", "%", "10 %"} {
		if _, err := ParseUpgradeLimit(bad); err == nil {
			t.Errorf("ParseUpgradeLimit(%q) accepted", bad)
		}
	}
}

func newTestRollout(t *testing.T) *Rollout {
	t.Helper()
	r, err := NewRollout(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r.now = func() time.Time { return rolloutEpoch }
	return r
}

func TestRolloutAdmit(t *testing.T) {
	ctx := context.Background()
	cfg := Config{FhirServerImage: "img:2", MaxConcurrentUpgrades: intstr.FromInt32(3), UpgradeReadyTimeout: 10 * time.Minute}
	key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: "fleet", Name: name} }
	fleet := []client.Object{
		fleetSTS("up1", "img:2", rolloutEpoch.Add(-time.Minute), false),
		fleetSTS("done", "img:2", rolloutEpoch.Add(-time.Minute), true),
		fleetSTS("old1", "img:1", time.Time{}, true),
		fleetSTS("old2", "img:1", time.Time{}, true),
		fleetSTS("old3", "img:1", time.Time{}, true),
	}
	c := fake.NewClientBuilder().WithStatusSubresource(&appsv1.StatefulSet{}).WithObjects(fleet...).Build()
	r := newTestRollout(t)

	// One upgrading, limit three: two more, and the cache does not show them yet.
	for _, name := range []string{"old1", "old2"} {
		if adm, err := r.admit(ctx, c, cfg, key(name)); err != nil || !adm.admitted {
			t.Fatalf("admit %s = %+v, %v; want admitted", name, adm, err)
		}
	}
	adm, err := r.admit(ctx, c, cfg, key("old3"))
	if err != nil || adm.admitted || !strings.Contains(adm.message, "at most 3") {
		t.Fatalf("admit old3 = %+v, %v; want refused: the reservations fill the slots", adm, err)
	}
	if adm, _ := r.admit(ctx, c, cfg, key("old1")); !adm.admitted {
		t.Errorf("an admitted endpoint retrying is refused")
	}
	if got := testutil.ToFloat64(r.inProgress); got != 3 {
		t.Errorf("fhirfleet_upgrades_in_progress = %v, want 3", got)
	}

	// up1 is ready again: a slot frees up for old3.
	up1 := &appsv1.StatefulSet{}
	if err := c.Get(ctx, key("up1"), up1); err != nil {
		t.Fatal(err)
	}
	up1.Status = appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1}
	if err := c.Status().Update(ctx, up1); err != nil {
		t.Fatal(err)
	}
	if adm, _ := r.admit(ctx, c, cfg, key("old3")); !adm.admitted {
		t.Errorf("old3 refused after up1 became ready: %s", adm.message)
	}
}

func TestRolloutHaltsOnAStalledServer(t *testing.T) {
	ctx := context.Background()
	cfg := Config{FhirServerImage: "img:2", MaxConcurrentUpgrades: intstr.FromString("100%"), UpgradeReadyTimeout: 10 * time.Minute}
	stalled := fleetSTS("bad", "img:2", rolloutEpoch.Add(-11*time.Minute), false)
	c := fake.NewClientBuilder().WithStatusSubresource(&appsv1.StatefulSet{}).WithObjects(stalled, fleetSTS("old", "img:1", time.Time{}, true)).Build()
	r := newTestRollout(t)

	adm, err := r.admit(ctx, c, cfg, types.NamespacedName{Namespace: "fleet", Name: "old"})
	if err != nil || adm.admitted || !strings.Contains(adm.message, "halted: fleet/bad") {
		t.Fatalf("admit = %+v, %v; want refused, naming fleet/bad", adm, err)
	}
	if got := testutil.ToFloat64(r.halted); got != 1 {
		t.Errorf("fhirfleet_upgrade_halted = %v, want 1", got)
	}

	// Someone fixed it: the server is ready; the halt lifts.
	stalled.Status = appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1}
	if err := c.Status().Update(ctx, stalled); err != nil {
		t.Fatal(err)
	}
	if err := r.observe(ctx, c, cfg); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(r.halted); got != 0 {
		t.Errorf("fhirfleet_upgrade_halted = %v after recovery, want 0", got)
	}
}
