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
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The suite runs the controller in a manager against a real kube-apiserver
// and etcd. envtest has no other controllers: no pods, no garbage collector,
// so tests set workload status themselves and assert owner references.
var (
	testEnv    *envtest.Environment
	k8sClient  client.Client // uncached, to see exactly what the API server holds
	reconciler *FhirEndpointReconciler
	writes     *countingClient
	suiteStop  context.CancelFunc
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "FhirEndpoint controller")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	var ctx context.Context
	ctx, suiteStop = context.WithCancel(context.Background())

	env, cfg, err := startControlPlane()
	Expect(err).NotTo(HaveOccurred())
	cfg.QPS, cfg.Burst = 500, 1000
	testEnv = env
	scheme, err := testScheme()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	reconciler, writes, err = startManager(ctx, cfg, scheme, 4)
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if suiteStop != nil {
		suiteStop()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// newNamespace makes a namespace of its own for one test.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "fhe-"}}
	Expect(k8sClient.Create(context.Background(), ns)).To(Succeed())
	return ns.Name
}

// newEndpoint is an R4 endpoint for customer acme, feed <name>, changed by mutate.
func newEndpoint(ns, name string, mutate func(*fhirv1.FhirEndpoint)) *fhirv1.FhirEndpoint {
	e := &fhirv1.FhirEndpoint{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       fhirv1.FhirEndpointSpec{Customer: "acme", Feed: name, FHIRVersion: fhirv1.FHIRVersionR4},
	}
	if mutate != nil {
		mutate(e)
	}
	return e
}

// provision creates the endpoint and waits until every child exists.
func provision(e *fhirv1.FhirEndpoint) *fhirv1.FhirEndpoint {
	GinkgoHelper()
	Expect(k8sClient.Create(context.Background(), e)).To(Succeed())
	for _, obj := range []client.Object{&corev1.Secret{}, &corev1.PersistentVolumeClaim{}, &appsv1.StatefulSet{}, &corev1.Service{}, &networkingv1.Ingress{}, &networkingv1.NetworkPolicy{}} {
		name := e.Name
		switch obj.(type) {
		case *corev1.Secret:
			name = e.CredentialsSecretName()
		case *corev1.PersistentVolumeClaim:
			name = e.DataClaimName()
		}
		fetch(obj, e.Namespace, name)
	}
	Eventually(func(g Gomega) {
		g.Expect(k8sClient.Get(context.Background(), client.ObjectKeyFromObject(e), e)).To(Succeed())
		g.Expect(e.Status.ObservedGeneration).To(Equal(e.Generation))
	}).Should(Succeed())
	return e
}

// fetch waits until the object exists and reads it into obj.
func fetch(obj client.Object, ns, name string) {
	GinkgoHelper()
	Eventually(func() error {
		return k8sClient.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, obj)
	}).Should(Succeed(), "%T %s/%s should exist", obj, ns, name)
}

// update changes the endpoint's spec, retrying on a stale resourceVersion.
func update(e *fhirv1.FhirEndpoint, change func(*fhirv1.FhirEndpoint)) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(e), e); err != nil {
			return err
		}
		change(e)
		return k8sClient.Update(context.Background(), e)
	})).To(Succeed())
}

// condition returns the current condition of the endpoint, or nil.
func condition(e *fhirv1.FhirEndpoint, condType string) func() *metav1.Condition {
	return func() *metav1.Condition {
		cur := &fhirv1.FhirEndpoint{}
		if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(e), cur); err != nil {
			return nil
		}
		return meta.FindStatusCondition(cur.Status.Conditions, condType)
	}
}

// haveCondition matches a condition's status and reason.
func haveCondition(status metav1.ConditionStatus, reason string) OmegaMatcher {
	return And(Not(BeNil()), WithTransform(func(c *metav1.Condition) string {
		return fmt.Sprintf("%s/%s", c.Status, c.Reason)
	}, Equal(fmt.Sprintf("%s/%s", status, reason))))
}

// markServerReady sets the StatefulSet's status as its controller would once
// the pod is ready (envtest runs no StatefulSet controller).
func markServerReady(e *fhirv1.FhirEndpoint, ready int32) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sts := &appsv1.StatefulSet{}
		if err := k8sClient.Get(context.Background(), types.NamespacedName{Namespace: e.Namespace, Name: e.Name}, sts); err != nil {
			return err
		}
		sts.Status.ObservedGeneration = sts.Generation
		sts.Status.Replicas = ready
		sts.Status.ReadyReplicas = ready
		sts.Status.AvailableReplicas = ready
		sts.Status.CurrentReplicas = ready
		sts.Status.UpdatedReplicas = ready
		return k8sClient.Status().Update(context.Background(), sts)
	})).To(Succeed())
}

// bindClaim marks the data claim Bound at its requested size, as the
// PersistentVolume controller would (envtest runs none). Only a bound claim
// may be resized at all.
func bindClaim(e *fhirv1.FhirEndpoint) {
	GinkgoHelper()
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pvc := &corev1.PersistentVolumeClaim{}
		if err := k8sClient.Get(context.Background(), keyOf(e.Namespace, e.DataClaimName()), pvc); err != nil {
			return err
		}
		pvc.Status.Phase = corev1.ClaimBound
		pvc.Status.AccessModes = pvc.Spec.AccessModes
		pvc.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]}
		return k8sClient.Status().Update(context.Background(), pvc)
	})).To(Succeed())
}

// eventReasons lists the reasons of the Events regarding the object name in ns.
func eventReasons(ns, name string) []string {
	var list eventsv1.EventList
	Expect(k8sClient.List(context.Background(), &list, client.InNamespace(ns))).To(Succeed())
	var reasons []string
	for _, ev := range list.Items {
		if ev.Regarding.Name == name {
			reasons = append(reasons, ev.Type+"/"+ev.Reason)
		}
	}
	return reasons
}

// reconcileNow runs one reconcile of e directly, outside the manager's queue.
func reconcileNow(e *fhirv1.FhirEndpoint) {
	GinkgoHelper()
	_, err := reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(e)})
	Expect(err).NotTo(HaveOccurred())
}

func keyOf(ns, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: name}
}

func qty(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

// tryUpdate applies change to a fresh copy of e and updates it, retrying only
// when the controller wrote in between; it returns the API server's verdict.
func tryUpdate(e *fhirv1.FhirEndpoint, change func(*fhirv1.FhirEndpoint)) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := k8sClient.Get(context.Background(), client.ObjectKeyFromObject(e), e); err != nil {
			return err
		}
		change(e)
		return k8sClient.Update(context.Background(), e)
	})
}
