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
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// AggregatorFinalizer holds a FhirAggregator until the bindings it got
// outside its namespace (a ClusterRoleBinding, RoleBindings in the followed
// namespaces) are deleted: no owner reference can reach them.
const AggregatorFinalizer = "fhir.fhirfleet.io/aggregator-bindings"

// FhirAggregatorReconciler turns each FhirAggregator into its Secrets,
// ServiceAccount and bindings, volume, aggregator, Service and Ingress, and
// reports the FhirEndpoints it follows.
type FhirAggregatorReconciler struct {
	// Client reads FhirAggregators and FhirEndpoints from the manager's cache,
	// and writes.
	Client   client.Client
	Recorder events.EventRecorder
	Config   Config

	// children reads the aggregators' children: their own cache, set by
	// SetupWithManager.
	children client.Reader
}

// +kubebuilder:rbac:groups=fhir.fhirfleet.io,resources=fhiraggregators,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=fhir.fhirfleet.io,resources=fhiraggregators/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=fhir.fhirfleet.io,resources=fhiraggregators/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterrolebindings;rolebindings,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=fhirfleet-aggregator

// Reconcile brings one FhirAggregator's children to what its spec asks for
// and reports the outcome in status, written once on the way out.
func (r *FhirAggregatorReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	log := logf.FromContext(ctx)

	a := &fhirv1.FhirAggregator{}
	if err := r.Client.Get(ctx, req.NamespacedName, a); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &aggregatorScope{
		aggregator: a,
		cfg:        r.Config,
		c:          childClient{Client: r.Client, children: r.children},
		fleet:      r.Client,
		recorder:   r.Recorder,
		host:       a.EffectiveSubdomain() + "." + r.Config.BaseDomain,
	}
	if !a.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, finalizeAggregator(ctx, s)
	}
	if requeue, err := ensureFinalizer(ctx, r.Client, a, AggregatorFinalizer); err != nil || requeue {
		// On a conflict our cached copy was stale; the newer one is on its way.
		return ctrl.Result{RequeueAfter: requeueAfterConflict(requeue)}, err
	}

	original := a.DeepCopy()
	applied := false
	defer func() {
		setSummaryConditions(s, applied, retErr)
		if applied {
			a.Status.ObservedGeneration = a.Generation
		}
		recordTransitions(s, original.Status.Conditions)
		if err := writeAggregatorStatus(ctx, r.Client, original, a); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()

	setSuspendedCondition(s)
	applied, retErr = runStages(ctx, s, aggregatorStages())
	if reason, msg := s.blocked(); reason != "" {
		log.V(1).Info("aggregator blocked", "reason", reason, "message", msg)
	}
	return ctrl.Result{}, retErr
}

// writeAggregatorStatus server-side applies after's status unless it equals
// before's, so a steady state costs no writes. The operator is the only
// writer of a FhirAggregator's status; conditions go in a fixed order so
// that the API server's order does not count as a change.
func writeAggregatorStatus(ctx context.Context, c client.Client, before, after *fhirv1.FhirAggregator) error {
	sorted := func(st fhirv1.FhirAggregatorStatus) fhirv1.FhirAggregatorStatus {
		out := *st.DeepCopy()
		slices.SortFunc(out.Conditions, func(a, b metav1.Condition) int { return strings.Compare(a.Type, b.Type) })
		return out
	}
	want := sorted(after.Status)
	if equality.Semantic.DeepEqual(sorted(before.Status), want) {
		return nil
	}
	return applyStatus(ctx, c, "FhirAggregator", after, &want)
}

// SetupWithManager registers the controller, its children's cache and its
// watches: its children by owner (the bindings outside its namespace by
// label), and FhirEndpoints, whose number and lag status reports.
func (r *FhirAggregatorReconciler) SetupWithManager(mgr ctrl.Manager) error {
	children, err := newAggregatorChildCache(mgr)
	if err != nil {
		return err
	}
	r.children = children
	b := ctrl.NewControllerManagedBy(mgr).
		For(&fhirv1.FhirAggregator{}).
		WatchesRawSource(ownedBy(mgr, children, &corev1.Secret{})).
		WatchesRawSource(ownedBy(mgr, children, &corev1.ServiceAccount{})).
		WatchesRawSource(ownedBy(mgr, children, &corev1.PersistentVolumeClaim{})).
		WatchesRawSource(ownedBy(mgr, children, &corev1.Service{})).
		WatchesRawSource(ownedBy(mgr, children, &appsv1.StatefulSet{})).
		WatchesRawSource(ownedBy(mgr, children, &networkingv1.Ingress{})).
		WatchesRawSource(source.Kind(children, &rbacv1.ClusterRoleBinding{}, handler.TypedEnqueueRequestsFromMapFunc(aggregatorOfBinding[*rbacv1.ClusterRoleBinding]))).
		WatchesRawSource(source.Kind(children, &rbacv1.RoleBinding{}, handler.TypedEnqueueRequestsFromMapFunc(aggregatorOfBinding[*rbacv1.RoleBinding]))).
		Watches(&fhirv1.FhirEndpoint{}, handler.EnqueueRequestsFromMapFunc(r.aggregatorsFollowing)).
		// A class that starts allowing expansion lets a refused resize through.
		Watches(&storagev1.StorageClass{}, handler.EnqueueRequestsFromMapFunc(r.aggregatorsOfStorageClass)).
		// The next claim on a host another aggregator leaves takes it.
		Watches(&fhirv1.FhirAggregator{}, handler.EnqueueRequestsFromMapFunc(r.aggregatorsSharingSubdomain)).
		Named("fhiraggregator")
	return b.Complete(r)
}

// ownedBy watches obj's kind in the children's cache, mapped to the
// FhirAggregator that controls it.
func ownedBy[T client.Object](mgr ctrl.Manager, children cache.Cache, obj T) source.Source {
	return source.Kind(children, obj, handler.TypedEnqueueRequestForOwner[T](mgr.GetScheme(), mgr.GetRESTMapper(), &fhirv1.FhirAggregator{}, handler.OnlyControllerOwner()))
}

// aggregatorOfBinding maps a binding to the FhirAggregator its labels name.
func aggregatorOfBinding[T client.Object](_ context.Context, o T) []reconcile.Request {
	l := o.GetLabels()
	if l[LabelAggregator] == "" || l[LabelAggregatorNamespace] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: l[LabelAggregatorNamespace], Name: l[LabelAggregator]}}}
}

// aggregatorsFollowing maps a FhirEndpoint event to the FhirAggregators
// following its namespace (their status counts it and its lag) and those
// claiming its subdomain (a conflict may begin or end).
func (r *FhirAggregatorReconciler) aggregatorsFollowing(ctx context.Context, o client.Object) []reconcile.Request {
	var list fhirv1.FhirAggregatorList
	if err := r.Client.List(ctx, &list); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, a := range list.Items {
		if a.Follows(o.GetNamespace()) || a.EffectiveSubdomain() == claimedSubdomain(o) {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: a.Namespace, Name: a.Name}})
		}
	}
	return reqs
}

// aggregatorsSharingSubdomain maps a FhirAggregator event to the other
// aggregators claiming its subdomain.
func (r *FhirAggregatorReconciler) aggregatorsSharingSubdomain(ctx context.Context, o client.Object) []reconcile.Request {
	return sharingSubdomain(ctx, r.Client, o, &fhirv1.FhirAggregatorList{})
}

// ensureFinalizer adds name to obj's finalizers. requeue says our cached copy
// was stale (the newer one is on its way). The optimistic lock keeps a merge
// patch of the finalizer list from dropping a finalizer another controller
// added meanwhile.
func ensureFinalizer(ctx context.Context, c client.Client, obj client.Object, name string) (requeue bool, err error) {
	if slices.Contains(obj.GetFinalizers(), name) {
		return false, nil
	}
	patch := client.MergeFromWithOptions(obj.DeepCopyObject().(client.Object), client.MergeFromWithOptimisticLock{})
	obj.SetFinalizers(append(obj.GetFinalizers(), name))
	if err := c.Patch(ctx, obj, patch); err != nil {
		if apierrors.IsConflict(err) {
			return true, nil
		}
		return false, fmt.Errorf("add finalizer: %w", err)
	}
	return false, nil
}

// requeueAfterConflict is how soon to look again after ensureFinalizer: a
// second on a conflict, never together with an error (the controller backs
// off by itself then).
func requeueAfterConflict(conflict bool) time.Duration {
	if conflict {
		return time.Second
	}
	return 0
}
