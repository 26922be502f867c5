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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// AnnotationUpgradeStarted on a server StatefulSet is when the rollout
// switched it to a new --fhirserver-image (RFC 3339). It is the rollout's
// whole memory: a manager that restarts (or a new leader) finds the servers
// still upgrading, and how long they have been at it, on the objects.
// It is removed once the server is ready on the new image.
const AnnotationUpgradeStarted = "fhir.fhirfleet.io/upgrade-started"

// Rollout is the fleet-wide gate of an operator upgrade: when the manager
// starts with a new --fhirserver-image, every endpoint that does not pin
// spec.image must move to it, and Rollout lets at most
// Config.MaxConcurrentUpgrades of them be upgrading (switched, and not yet
// ready again) at once. A server that is not ready within
// Config.UpgradeReadyTimeout stalls the rollout: no further upgrade starts
// until it is ready, or rolled back (see docs/operator.md, "Upgrades").
//
// The count is read from the manager's cache of StatefulSets (the
// annotation and the rollout status), so it survives restarts. The cache
// lags our own writes, so admitted endpoints are also held in memory until
// the cache shows their switch: two workers admitting at once never both
// take the last slot. Only the leader reconciles, so one Rollout decides.
type Rollout struct {
	mu sync.Mutex
	// reserved are admitted endpoints whose switch the cache may not show yet.
	reserved map[types.NamespacedName]struct{}
	now      func() time.Time

	halted     prometheus.Gauge
	inProgress prometheus.Gauge
}

// NewRollout makes the gate and registers its metrics on reg
// (controller-runtime's metrics.Registry in the manager).
func NewRollout(reg prometheus.Registerer) (*Rollout, error) {
	r := &Rollout{
		reserved: map[types.NamespacedName]struct{}{},
		now:      time.Now,
		halted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fhirfleet_upgrade_halted",
			Help: "1 while a server that did not become ready on its new image within --upgrade-ready-timeout holds the fleet's rollout.",
		}),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "fhirfleet_upgrades_in_progress",
			Help: "Servers switched to a new image and not yet ready on it.",
		}),
	}
	for _, c := range []prometheus.Collector{r.halted, r.inProgress} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register rollout metrics: %w", err)
		}
	}
	return r, nil
}

// fleetRollout is what the cache says of the rollout across the fleet.
type fleetRollout struct {
	size      int
	upgrading []types.NamespacedName
	stalled   []types.NamespacedName
}

// admission is the gate's answer to one endpoint.
type admission struct {
	admitted bool
	// why it was not: the slots in use, or the stalled server halting the rollout.
	message string
}

// admit decides whether key may switch to cfg.FhirServerImage now, and if so
// holds its slot. An endpoint already admitted is admitted again (its
// reconcile may have failed before the switch reached the API server).
func (r *Rollout) admit(ctx context.Context, c client.Reader, cfg Config, key types.NamespacedName) (admission, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.reserved[key]; ok {
		return admission{admitted: true}, nil
	}
	fleet, err := r.observeLocked(ctx, c, cfg)
	if err != nil {
		return admission{}, err
	}
	if len(fleet.stalled) > 0 {
		return admission{message: fmt.Sprintf("the fleet's rollout is halted: %s did not become ready on its new image within %s",
			fleet.stalled[0], cfg.UpgradeReadyTimeout)}, nil
	}
	limit := upgradeLimit(cfg.MaxConcurrentUpgrades, fleet.size)
	if len(fleet.upgrading) >= limit {
		// The message names the limit, not the count, so waiting writes no status.
		return admission{message: fmt.Sprintf("waiting for its turn: at most %d servers upgrade at once", limit)}, nil
	}
	r.reserved[key] = struct{}{}
	r.inProgress.Set(float64(len(fleet.upgrading) + 1))
	return admission{admitted: true}, nil
}

// observe refreshes the metrics from the cache; a server's reconcile calls
// it when its own upgrade moves on (ready, or stalled), so the halt metric
// falls when the stalled server recovers even if nothing else is waiting.
func (r *Rollout) observe(ctx context.Context, c client.Reader, cfg Config) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, err := r.observeLocked(ctx, c, cfg)
	return err
}

// observeLocked reads the fleet from the cache, forgets reservations the
// cache now shows (or whose StatefulSet is gone) and sets the metrics.
// REQUIRES: r.mu held.
func (r *Rollout) observeLocked(ctx context.Context, c client.Reader, cfg Config) (fleetRollout, error) {
	var list appsv1.StatefulSetList
	// Read-only: no copy of every StatefulSet per decision.
	if err := c.List(ctx, &list, client.HasLabels{LabelEndpoint}, client.UnsafeDisableDeepCopy); err != nil {
		return fleetRollout{}, fmt.Errorf("list the fleet's StatefulSets: %w", err)
	}
	fleet := fleetRollout{size: len(list.Items)}
	seen := make(map[types.NamespacedName]struct{}, len(list.Items))
	now := r.now()
	for i := range list.Items {
		sts := &list.Items[i]
		key := client.ObjectKeyFromObject(sts)
		seen[key] = struct{}{}
		upgrading, stalled := upgradeState(sts, now, cfg.UpgradeReadyTimeout)
		if _, held := r.reserved[key]; held {
			if sts.Annotations[AnnotationUpgradeStarted] == "" {
				upgrading = true // the switch is not in the cache yet
			} else {
				delete(r.reserved, key)
			}
		}
		if upgrading {
			fleet.upgrading = append(fleet.upgrading, key)
		}
		if stalled {
			fleet.stalled = append(fleet.stalled, key)
		}
	}
	for key := range r.reserved {
		if _, ok := seen[key]; !ok {
			delete(r.reserved, key)
		}
	}
	slices.SortFunc(fleet.stalled, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	r.inProgress.Set(float64(len(fleet.upgrading)))
	halted := 0.0
	if len(fleet.stalled) > 0 {
		halted = 1
	}
	r.halted.Set(halted)
	return fleet, nil
}

// upgradeState reads one server's upgrade from its StatefulSet: upgrading
// while it carries AnnotationUpgradeStarted and is not rolled out; stalled
// when that has lasted longer than timeout.
func upgradeState(sts *appsv1.StatefulSet, now time.Time, timeout time.Duration) (upgrading, stalled bool) {
	started, ok := sts.Annotations[AnnotationUpgradeStarted]
	if !ok || rolledOut(sts) {
		return false, false
	}
	at, err := time.Parse(time.RFC3339, started)
	if err != nil {
		// Not ours to read: count it as upgrading, never as stalled.
		return true, false
	}
	return true, timeout > 0 && now.Sub(at) > timeout
}

// rolledOut says the StatefulSet controller has seen the current template
// and every replica it wants runs it and is ready: the "ready again" an
// upgrade waits for. A suspended server (zero replicas) is rolled out as soon
// as its controller has seen the template.
func rolledOut(sts *appsv1.StatefulSet) bool {
	want := int32(1)
	if sts.Spec.Replicas != nil {
		want = *sts.Spec.Replicas
	}
	st := sts.Status
	return st.ObservedGeneration >= sts.Generation &&
		st.UpdatedReplicas >= want && st.ReadyReplicas >= want &&
		st.CurrentRevision == st.UpdateRevision
}

// upgradeLimit is --max-concurrent-upgrades for a fleet of size servers: a
// number, or a percentage of the fleet rounded up, and at least one.
func upgradeLimit(v intstr.IntOrString, size int) int {
	n, err := intstr.GetScaledValueFromIntOrPercent(&v, size, true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// ParseUpgradeLimit reads --max-concurrent-upgrades: a positive number, or a
// percentage from 1% to 100%. "0" turns the gate off (every server switches
// at once).
func ParseUpgradeLimit(v string) (intstr.IntOrString, error) {
	limit := intstr.Parse(v)
	if limit.Type == intstr.Int {
		if limit.IntVal < 0 {
			return limit, fmt.Errorf("%q: want a number of servers (0 for no limit) or a percentage", v)
		}
		return limit, nil
	}
	var pct int
	if _, err := fmt.Sscanf(v, "%d%%", &pct); err != nil || fmt.Sprintf("%d%%", pct) != v || pct < 1 || pct > 100 {
		return limit, fmt.Errorf("%q: want a number of servers or a percentage from 1%% to 100%%", v)
	}
	return limit, nil
}
