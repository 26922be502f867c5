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
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// setCondition sets one condition, stamped with the generation it speaks
// for. meta.SetStatusCondition moves lastTransitionTime only when the status
// changes, so a steady state writes nothing.
func setCondition(s reporter, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(s.conditions(), metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: s.object().GetGeneration(),
	})
}

// setSuspendedCondition reports spec.suspend before any stage runs.
func setSuspendedCondition(s reporter) {
	if s.suspendedNow() {
		setCondition(s, fhirv1.ConditionSuspended, metav1.ConditionTrue, fhirv1.ReasonSuspended, "spec.suspend holds the server at zero replicas")
		return
	}
	setCondition(s, fhirv1.ConditionSuspended, metav1.ConditionFalse, fhirv1.ReasonNotSuspended, "the server runs")
}

// childConditions are the conditions that each report one child, in the
// order the stages apply them: Ready is True only when all are.
func childConditions() []string {
	return []string{
		fhirv1.ConditionCredentialsReady,
		fhirv1.ConditionStorageReady,
		fhirv1.ConditionAvailable,
		fhirv1.ConditionServiceReady,
		fhirv1.ConditionIngressReady,
		fhirv1.ConditionNetworkPolicyReady,
	}
}

// setSummaryConditions fills in the conditions no stage reached and derives
// Ready from the rest. It runs once, on the way out of Reconcile.
func setSummaryConditions(s reporter, applied bool, reconcileErr error) {
	conds := s.conditions()
	// Conditions a blocked or failed reconcile never reached say Unknown,
	// rather than keeping a stale True.
	if !applied {
		for _, t := range append([]string{fhirv1.ConditionSpecAccepted}, s.children()...) {
			if meta.FindStatusCondition(*conds, t) == nil {
				setCondition(s, t, metav1.ConditionUnknown, fhirv1.ReasonProgressing, "not yet reconciled")
			}
		}
	}

	// A refused spec makes Ready False even though the server may serve: the
	// author asked for something they did not get, and `kubectl wait` or a
	// GitOps health check must say so rather than report success. It comes
	// before Suspended so the Ready Event always names what was refused.
	accepted := meta.FindStatusCondition(*conds, fhirv1.ConditionSpecAccepted)
	blockedReason, blockedMessage := s.blocked()
	switch {
	case reconcileErr != nil && !errors.Is(reconcileErr, errBlocked):
		setCondition(s, fhirv1.ConditionReady, metav1.ConditionFalse, fhirv1.ReasonReconcileError, reconcileErr.Error())
	case blockedReason != "":
		setCondition(s, fhirv1.ConditionReady, metav1.ConditionFalse, blockedReason, blockedMessage)
	case accepted != nil && accepted.Status == metav1.ConditionFalse:
		setCondition(s, fhirv1.ConditionReady, metav1.ConditionFalse, accepted.Reason, accepted.Message)
	case s.suspendedNow():
		setCondition(s, fhirv1.ConditionReady, metav1.ConditionFalse, fhirv1.ReasonSuspended, "spec.suspend holds the server at zero replicas")
	case !applied:
		setCondition(s, fhirv1.ConditionReady, metav1.ConditionFalse, fhirv1.ReasonProgressing, "reconciling")
	default:
		for _, t := range s.children() {
			if c := meta.FindStatusCondition(*conds, t); c == nil || c.Status != metav1.ConditionTrue {
				msg := "waiting for " + t
				if c != nil {
					msg = fmt.Sprintf("%s: %s", t, c.Message)
				}
				setCondition(s, fhirv1.ConditionReady, metav1.ConditionFalse, fhirv1.ReasonProgressing, msg)
				return
			}
		}
		setCondition(s, fhirv1.ConditionReady, metav1.ConditionTrue, fhirv1.ReasonReady, s.readyMessage())
	}
}

// recordTransitions emits an Event when Ready or Suspended changes status or
// reason, and when a child's condition turns False (a Warning with the API
// server's reason) or recovers, so `kubectl describe` tells the story without
// an Event per reconcile.
func recordTransitions(s reporter, before []metav1.Condition) {
	recorder := s.eventRecorder()
	if recorder == nil {
		return
	}
	obj, conds := s.object(), *s.conditions()
	for _, t := range []string{fhirv1.ConditionReady, fhirv1.ConditionSuspended} {
		old := meta.FindStatusCondition(before, t)
		cur := meta.FindStatusCondition(conds, t)
		if cur == nil || (old != nil && old.Status == cur.Status && old.Reason == cur.Reason) {
			continue
		}
		// A fresh endpoint starts not Ready and not Suspended: no news.
		if old == nil && cur.Status == metav1.ConditionFalse && (t == fhirv1.ConditionSuspended || cur.Reason == fhirv1.ReasonProgressing) {
			continue
		}
		eventType := corev1.EventTypeNormal
		if t == fhirv1.ConditionReady && cur.Status == metav1.ConditionFalse && cur.Reason != fhirv1.ReasonSuspended && cur.Reason != fhirv1.ReasonProgressing {
			eventType = corev1.EventTypeWarning
		}
		reason := cur.Reason
		if t == fhirv1.ConditionSuspended && cur.Status == metav1.ConditionFalse {
			reason = "Resumed"
		}
		recorder.Eventf(obj, nil, eventType, reason, t, "%s=%s: %s", t, cur.Status, cur.Message)
	}
	for _, t := range s.children() {
		old := meta.FindStatusCondition(before, t)
		cur := meta.FindStatusCondition(conds, t)
		if cur == nil || (old != nil && old.Status == cur.Status && old.Reason == cur.Reason) {
			continue
		}
		switch {
		case childFailed(cur):
			recorder.Eventf(obj, nil, corev1.EventTypeWarning, cur.Reason, t, "%s=%s: %s", t, cur.Status, cur.Message)
		case cur.Status == metav1.ConditionTrue && old != nil && childFailed(old):
			recorder.Eventf(obj, nil, corev1.EventTypeNormal, cur.Reason, t, "%s=%s: %s", t, cur.Status, cur.Message)
		}
	}
}

// childFailed says a child's condition reports its own failure: not a child
// on its way (a pod not ready yet, a suspended server), nor one skipped for
// another stage's failure (a subdomain conflict...), whose Event that stage
// or Ready already tells.
func childFailed(c *metav1.Condition) bool {
	if c.Status != metav1.ConditionFalse {
		return false
	}
	switch c.Reason {
	case fhirv1.ReasonPodNotReady, fhirv1.ReasonSuspended, fhirv1.ReasonProgressing, fhirv1.ReasonNotProvisioned, fhirv1.ReasonSubdomainConflict:
		return false
	}
	return true
}
