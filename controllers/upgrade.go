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
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// defaultUpgradeRecheck is how often an endpoint waiting for its turn in a
// rollout asks the gate again: nothing about its own objects changes when a
// slot frees up elsewhere in the fleet, so no watch would wake it.
const defaultUpgradeRecheck = 10 * time.Second

// upgradeStep is what the server StatefulSet runs after this reconcile.
type upgradeStep struct {
	image string
	// command, when set, is the running server's command line, kept with its
	// image while it waits: the command is the contract with one fhirserver
	// release, and a new manager's (a flag the old server does not know)
	// would crash it.
	command []string
	// started is AnnotationUpgradeStarted's value while the server is
	// upgrading, "" otherwise.
	started string
	// queued: the server keeps its image because the gate said not yet, why.
	queued string
	// stalled: started more than --upgrade-ready-timeout ago, still not ready.
	stalled bool
}

// planUpgrade decides which image the server runs now, given want, the one it
// should run (serverImage). Only an operator upgrade is gated: an endpoint
// that does not pin spec.image, whose running server is on another image.
// A new endpoint gets want at once (it has no one to keep serving), so does
// a suspended one (no pod to wait for), and so does a pinned one (its author
// asked for the change). A gated endpoint already upgrading (to an older
// target, say after a bad image was replaced) switches at once too: it
// already holds its slot.
func planUpgrade(ctx context.Context, s *scope, want string) (upgradeStep, error) {
	e := s.endpoint
	live := &appsv1.StatefulSet{}
	err := s.c.Get(ctx, client.ObjectKeyFromObject(e), live)
	if apierrors.IsNotFound(err) {
		return upgradeStep{image: want}, nil
	}
	if err != nil {
		return upgradeStep{}, fmt.Errorf("get the running StatefulSet %s: %w", e.Name, err)
	}
	running, command := serverContainer(live)
	if s.rollout == nil || e.Spec.Image != "" || s.suspended || running == "" {
		return upgradeStep{image: want}, nil
	}
	now := s.rollout.now()
	upgrading, stalled := upgradeState(live, now, s.cfg.UpgradeReadyTimeout)
	switch {
	case running == want && upgrading:
		return upgradeStep{image: want, started: live.Annotations[AnnotationUpgradeStarted], stalled: stalled}, nil
	case running == want:
		return upgradeStep{image: want}, nil
	case upgrading:
		return upgradeStep{image: want, started: now.UTC().Format(time.RFC3339)}, nil
	}
	adm, err := s.rollout.admit(ctx, s.c, s.cfg, client.ObjectKeyFromObject(e))
	if err != nil {
		return upgradeStep{}, err
	}
	if !adm.admitted {
		return upgradeStep{image: running, command: command, queued: adm.message}, nil
	}
	return upgradeStep{image: want, started: now.UTC().Format(time.RFC3339)}, nil
}

// serverContainer is the image and command of the server container in
// sts's template.
func serverContainer(sts *appsv1.StatefulSet) (image string, command []string) {
	for _, c := range sts.Spec.Template.Spec.Containers {
		if c.Name == serverName {
			return c.Image, c.Command
		}
	}
	return "", nil
}

// containerImage is the image of the server container in sts's template.
func containerImage(sts *appsv1.StatefulSet) string {
	image, _ := serverContainer(sts)
	return image
}

// annotate marks the StatefulSet as upgrading (or, by leaving the annotation
// out of what we apply, no longer upgrading), and keeps a waiting server's
// command.
func (u upgradeStep) annotate(sts *appsv1ac.StatefulSetApplyConfiguration) *appsv1ac.StatefulSetApplyConfiguration {
	if u.started != "" {
		sts.WithAnnotations(map[string]string{AnnotationUpgradeStarted: u.started})
	}
	if u.command != nil && sts.Spec != nil && sts.Spec.Template != nil && sts.Spec.Template.Spec != nil {
		for i := range sts.Spec.Template.Spec.Containers {
			if c := &sts.Spec.Template.Spec.Containers[i]; c.Name != nil && *c.Name == serverName {
				c.Command = slices.Clone(u.command)
			}
		}
	}
	return sts
}

// reportUpgrade writes status.image and UpToDate, emits an Event when the
// server stalls the rollout or finishes its upgrade, and asks to be
// reconciled again when nothing else would wake it: a queued endpoint to ask
// the gate again, an upgrading one when its time is up.
func reportUpgrade(ctx context.Context, s *scope, u upgradeStep) error {
	e := s.endpoint
	e.Status.Image = u.image
	// A copy: setCondition changes the condition in place.
	var before *metav1.Condition
	if c := meta.FindStatusCondition(e.Status.Conditions, fhirv1.ConditionUpToDate); c != nil {
		before = c.DeepCopy()
	}
	switch {
	case u.queued != "":
		setCondition(s, fhirv1.ConditionUpToDate, metav1.ConditionFalse, fhirv1.ReasonUpgradeQueued,
			fmt.Sprintf("runs %s, not yet %s: %s", bounded(u.image), bounded(s.cfg.FhirServerImage), u.queued))
		s.requeueAfter = s.cfg.UpgradeRecheckInterval
		if s.requeueAfter <= 0 {
			s.requeueAfter = defaultUpgradeRecheck
		}
	case u.stalled:
		setCondition(s, fhirv1.ConditionUpToDate, metav1.ConditionFalse, fhirv1.ReasonUpgradeStalled,
			fmt.Sprintf("not ready on %s within %s of the switch (%s); no other server is upgraded until this one is ready or runs another image",
				bounded(u.image), s.cfg.UpgradeReadyTimeout, u.started))
	case u.started != "":
		setCondition(s, fhirv1.ConditionUpToDate, metav1.ConditionFalse, fhirv1.ReasonUpgrading,
			fmt.Sprintf("switched to %s at %s, waiting for the server to be ready", bounded(u.image), u.started))
		if at, err := time.Parse(time.RFC3339, u.started); err == nil && s.cfg.UpgradeReadyTimeout > 0 {
			s.requeueAfter = max(at.Add(s.cfg.UpgradeReadyTimeout).Sub(s.rollout.now())+time.Second, time.Second)
		}
	default:
		setCondition(s, fhirv1.ConditionUpToDate, metav1.ConditionTrue, fhirv1.ReasonImageCurrent, "runs "+bounded(u.image))
	}
	after := meta.FindStatusCondition(e.Status.Conditions, fhirv1.ConditionUpToDate)
	if before != nil && before.Reason == after.Reason {
		return nil
	}
	if s.recorder != nil {
		switch {
		case after.Reason == fhirv1.ReasonUpgradeStalled:
			s.recorder.Eventf(e, nil, corev1.EventTypeWarning, after.Reason, fhirv1.ConditionUpToDate, "%s", after.Message)
		case after.Status == metav1.ConditionTrue && before != nil && before.Status == metav1.ConditionFalse:
			s.recorder.Eventf(e, nil, corev1.EventTypeNormal, "Upgraded", fhirv1.ConditionUpToDate, "%s", after.Message)
		}
	}
	// The fleet's metrics follow a server whose upgrade moved on.
	if s.rollout != nil && (u.stalled || (before != nil && before.Reason != fhirv1.ReasonUpgradeQueued)) {
		return s.rollout.observe(ctx, s.c, s.cfg)
	}
	return nil
}
