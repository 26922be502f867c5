package main

import (
	"context"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// syncClaims plays the volume provisioner: every claim is Bound with what it
// requests (a resize is granted at once), and the folder of a claim that no
// longer exists is removed, as a reclaim policy Delete would.
func (a *agent) syncClaims(ctx context.Context) {
	claims, err := a.claims.List(labels.Everything())
	if err != nil {
		return
	}
	exists := map[string]bool{}
	for _, c := range claims {
		exists[filepath.Join(c.Namespace, c.Name)] = true
		want := c.Spec.Resources.Requests[corev1.ResourceStorage]
		have := c.Status.Capacity[corev1.ResourceStorage]
		if c.Status.Phase == corev1.ClaimBound && have.Cmp(want) == 0 {
			continue
		}
		cc := c.DeepCopy()
		cc.Status.Phase = corev1.ClaimBound
		cc.Status.AccessModes = c.Spec.AccessModes
		cc.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: want}
		if _, err := a.cs.CoreV1().PersistentVolumeClaims(c.Namespace).UpdateStatus(ctx, cc, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
			a.log.Error("bind claim", "claim", c.Namespace+"/"+c.Name, "err", err)
		}
	}
	root := filepath.Join(a.state, "volumes")
	namespaces, _ := os.ReadDir(root)
	for _, ns := range namespaces {
		dirs, _ := os.ReadDir(filepath.Join(root, ns.Name()))
		for _, d := range dirs {
			if exists[filepath.Join(ns.Name(), d.Name())] || a.claimInUse(ns.Name(), d.Name()) {
				continue
			}
			a.log.Info("claim deleted, removing its volume", "claim", ns.Name()+"/"+d.Name())
			if err := os.RemoveAll(filepath.Join(root, ns.Name(), d.Name())); err != nil {
				a.log.Error("remove volume", "claim", ns.Name()+"/"+d.Name(), "err", err)
			}
		}
	}
}

// claimInUse: a process still runs on the folder (its pod is being stopped).
func (a *agent) claimInUse(ns, claim string) bool {
	for _, r := range a.procs {
		if r.pod.Namespace != ns || r.proc.snapshot().Stopped {
			continue
		}
		pod, err := a.pods.Pods(ns).Get(r.pod.Name)
		if err != nil {
			continue
		}
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
				return true
			}
		}
	}
	return false
}
