package main

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodStatus(t *testing.T) {
	pod := serverPod("ghcr.io/fhirfleet/fhirserver:v1")
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	ready := func(st corev1.PodStatus) corev1.ConditionStatus {
		for _, c := range st.Conditions {
			if c.Type == corev1.PodReady {
				return c.Status
			}
		}
		return ""
	}
	tests := []struct {
		name     string
		state    procState
		phase    corev1.PodPhase
		ready    corev1.ConditionStatus
		waiting  string
		restarts int32
		lastExit int32
	}{
		{"not started yet", procState{}, corev1.PodPending, corev1.ConditionFalse, "ContainerCreating", 0, 0},
		{"running, probe not passed", procState{Running: true, StartedAt: now.Time}, corev1.PodRunning, corev1.ConditionFalse, "", 0, 0},
		{"ready", procState{Running: true, Ready: true, StartedAt: now.Time}, corev1.PodRunning, corev1.ConditionTrue, "", 0, 0},
		{"crashed, backing off", procState{Waiting: "CrashLoopBackOff", Restarts: 2, LastExit: "exit code 2", LastExitCode: 2}, corev1.PodRunning, corev1.ConditionFalse, "CrashLoopBackOff", 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := podStatus(pod, tc.state, now)
			cs := st.ContainerStatuses[0]
			if st.Phase != tc.phase || ready(st) != tc.ready || cs.RestartCount != tc.restarts || st.PodIP != "127.0.0.1" {
				t.Errorf("status %+v", st)
			}
			if (cs.State.Waiting == nil) != (tc.waiting == "") || cs.State.Waiting != nil && cs.State.Waiting.Reason != tc.waiting {
				t.Errorf("container state %+v, want waiting %q", cs.State, tc.waiting)
			}
			if tc.lastExit != 0 && cs.LastTerminationState.Terminated.ExitCode != tc.lastExit {
				t.Errorf("last termination %+v", cs.LastTerminationState)
			}
		})
	}

	// A condition that keeps its status keeps its time, so reporting the
	// same state again is no change (no update storm).
	first := podStatus(pod, procState{Running: true, Ready: true, StartedAt: now.Time}, now)
	pod.Status = first
	again := podStatus(pod, procState{Running: true, Ready: true, StartedAt: now.Time}, metav1.NewTime(now.Add(time.Minute)))
	if statusChanged(first, again) {
		t.Error("the same state reported later counts as a change")
	}
	if !statusChanged(first, podStatus(pod, procState{Running: true, StartedAt: now.Time}, now)) {
		t.Error("losing readiness is not a change")
	}
}
