package main

import (
	"context"
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// podStatus is what a kubelet would report for the pod's process in state s.
// now stamps conditions that change; unchanged ones keep their time.
func podStatus(pod *corev1.Pod, s procState, now metav1.Time) corev1.PodStatus {
	st := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    "127.0.0.1",
		HostIPs:   []corev1.HostIP{{IP: "127.0.0.1"}},
		PodIP:     "127.0.0.1",
		PodIPs:    []corev1.PodIP{{IP: "127.0.0.1"}},
		StartTime: pod.Status.StartTime,
		QOSClass:  pod.Status.QOSClass,
	}
	if st.StartTime == nil {
		st.StartTime = &now
	}
	if !s.Running && s.Restarts == 0 && s.LastExit == "" {
		st.Phase = corev1.PodPending
	}
	c := pod.Spec.Containers[0]
	cs := corev1.ContainerStatus{
		Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: s.Ready, RestartCount: s.Restarts,
		Started: &s.Running,
	}
	if s.Running {
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(s.StartedAt)}
	} else {
		reason := s.Waiting
		if reason == "" {
			reason = "ContainerCreating"
		}
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reason, Message: s.LastExit}
	}
	if s.LastExit != "" {
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{
			ExitCode: s.LastExitCode, Reason: "Error", Message: s.LastExit, FinishedAt: metav1.NewTime(s.LastFinished),
		}
	}
	st.ContainerStatuses = []corev1.ContainerStatus{cs}
	ready := corev1.ConditionFalse
	if s.Ready {
		ready = corev1.ConditionTrue
	}
	for _, want := range []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue},
		{Type: corev1.ContainersReady, Status: ready},
		{Type: corev1.PodReady, Status: ready},
	} {
		want.LastTransitionTime = now
		for _, old := range pod.Status.Conditions {
			if old.Type == want.Type && old.Status == want.Status {
				want.LastTransitionTime = old.LastTransitionTime
			}
		}
		st.Conditions = append(st.Conditions, want)
	}
	return st
}

// statusChanged says whether the parts of a status this agent decides differ.
func statusChanged(old, new corev1.PodStatus) bool {
	key := func(s corev1.PodStatus) string {
		b, _ := json.Marshal(struct {
			P  corev1.PodPhase
			IP string
			C  []corev1.PodCondition
			S  []corev1.ContainerStatus
		}{s.Phase, s.PodIP, s.Conditions, s.ContainerStatuses})
		return string(b)
	}
	return key(old) != key(new)
}

// report writes the pod's status and its port annotation when they changed.
func (a *agent) report(ctx context.Context, pod *corev1.Pod, r *running) {
	if want := portsJSON(r.ports); pod.Annotations[portsAnnotation] != want {
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{portsAnnotation: want}}})
		if _, err := a.cs.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			a.log.Error("annotate pod", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		}
	}
	st := podStatus(pod, r.proc.snapshot(), metav1.Now())
	if !statusChanged(pod.Status, st) {
		return
	}
	p := pod.DeepCopy()
	p.Status = st
	if _, err := a.cs.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		a.log.Debug("update pod status (retried on the next sync)", "pod", pod.Namespace+"/"+pod.Name, "err", err)
		a.wake()
	}
}

// reportFailure says on the pod why it cannot run here.
func (a *agent) reportFailure(ctx context.Context, pod *corev1.Pod, err error) {
	p := pod.DeepCopy()
	p.Status.Phase = corev1.PodPending
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "NodeAgentCannotRun", Message: err.Error(), LastTransitionTime: metav1.Now()}}
	if _, err := a.cs.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		a.log.Error("report pod failure", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}
