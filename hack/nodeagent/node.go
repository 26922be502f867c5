package main

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// registerNode creates (or takes over) the Node and marks it Ready.
func (a *agent) registerNode(ctx context.Context) error {
	nodes := a.cs.CoreV1().Nodes()
	n, err := nodes.Get(ctx, a.node, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		n, err = nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:   a.node,
			Labels: map[string]string{"kubernetes.io/hostname": a.node, "kubernetes.io/os": "linux", "node.fhirfleet.io/local": "true"},
		}}, metav1.CreateOptions{})
	}
	if err != nil {
		return err
	}
	return a.heartbeat(ctx, n)
}

func (a *agent) heartbeat(ctx context.Context, n *corev1.Node) error {
	now := metav1.Now()
	n = n.DeepCopy()
	n.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "NodeAgentReady",
		Message: "make dev's node agent runs pods as local processes", LastHeartbeatTime: now, LastTransitionTime: now,
	}}
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: a.node}}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("64"), corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("2000"),
	}
	n.Status.Capacity, n.Status.Allocatable = capacity, capacity
	_, err := a.cs.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err
}

// keepNodeReady renews the Ready condition, as a kubelet's heartbeat does.
func (a *agent) keepNodeReady(ctx context.Context) {
	t := time.NewTicker(40 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := a.cs.CoreV1().Nodes().Get(ctx, a.node, metav1.GetOptions{})
			if err == nil {
				err = a.heartbeat(ctx, n)
			}
			if err != nil && ctx.Err() == nil {
				a.log.Error("node heartbeat", "err", err)
			}
		}
	}
}
