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

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	rbacv1ac "k8s.io/client-go/applyconfigurations/rbac/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// AggregatorClusterRole is the ClusterRole (config/rbac/aggregator_role.yaml)
// every aggregator's ServiceAccount is bound to: read FhirEndpoints and their
// credentials Secrets, write status.aggregation. The manager may bind it and
// no other role (the bind verb, restricted to this name).
const AggregatorClusterRole = "fhirfleet-aggregator"

// reconcileAggregatorRBAC applies the ServiceAccount <name> and binds it to
// AggregatorClusterRole where the aggregator reads: cluster-wide (a
// ClusterRoleBinding) when spec.namespaces is empty, else a RoleBinding in
// each listed namespace. Bindings it no longer needs (a namespace dropped,
// a switch between the two forms) are deleted. Neither a ClusterRoleBinding
// nor a RoleBinding in another namespace can carry an owner reference to
// the FhirAggregator, so they are found by label and removed by the
// finalizer (finalizeAggregator).
func reconcileAggregatorRBAC(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: a.Name, Namespace: a.Namespace}}
	desiredSA := corev1ac.ServiceAccount(a.Name, a.Namespace).
		WithLabels(aggregatorChildLabels(a)).
		WithOwnerReferences(s.ownerRef())
	if _, err := applyChild(ctx, s.c, sa, desiredSA, corev1ac.ExtractServiceAccount); err != nil {
		return err
	}

	name := aggregatorBindingName(a)
	subject := rbacv1ac.Subject().WithKind(rbacv1.ServiceAccountKind).WithName(a.Name).WithNamespace(a.Namespace)
	roleRef := rbacv1ac.RoleRef().WithAPIGroup(rbacv1.GroupName).WithKind("ClusterRole").WithName(AggregatorClusterRole)
	where := "cluster-wide"
	if len(a.Spec.Namespaces) == 0 {
		crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}}
		desired := rbacv1ac.ClusterRoleBinding(name).WithLabels(aggregatorChildLabels(a)).WithSubjects(subject).WithRoleRef(roleRef)
		if _, err := applyChild(ctx, s.c, crb, desired, rbacv1ac.ExtractClusterRoleBinding); err != nil {
			return err
		}
	} else {
		for _, ns := range a.Spec.Namespaces {
			rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
			desired := rbacv1ac.RoleBinding(name, ns).WithLabels(aggregatorChildLabels(a)).WithSubjects(subject).WithRoleRef(roleRef)
			if _, err := applyChild(ctx, s.c, rb, desired, rbacv1ac.ExtractRoleBinding); err != nil {
				return err
			}
		}
		where = "in namespaces " + strings.Join(a.Spec.Namespaces, ", ")
	}
	if err := deleteAggregatorBindings(ctx, s, a.Spec.Namespaces); err != nil {
		return err
	}
	setCondition(s, fhirv1.ConditionRBACReady, metav1.ConditionTrue, fhirv1.ReasonApplied,
		fmt.Sprintf("ServiceAccount %s is bound to ClusterRole %s %s", a.Name, AggregatorClusterRole, where))
	return nil
}

// aggregatorBindingName names the aggregator's bindings: one name for the
// ClusterRoleBinding and every RoleBinding, unique across aggregators
// (a namespace and a name are DNS labels, so the dash cannot be confused).
func aggregatorBindingName(a *fhirv1.FhirAggregator) string {
	return AggregatorClusterRole + "-" + a.Namespace + "-" + a.Name
}

// deleteAggregatorBindings deletes the aggregator's bindings that keep is
// not asking for: the ClusterRoleBinding unless keep is empty (follow all),
// and every RoleBinding in a namespace not in keep. With keep nil and the
// aggregator being deleted, finalizeAggregator deletes the ClusterRoleBinding
// itself.
func deleteAggregatorBindings(ctx context.Context, s *aggregatorScope, keep []string) error {
	a := s.aggregator
	ours := client.MatchingLabels{LabelAggregator: a.Name, LabelAggregatorNamespace: a.Namespace}
	var rbs rbacv1.RoleBindingList
	if err := s.c.List(ctx, &rbs, ours); err != nil {
		return fmt.Errorf("list the aggregator's RoleBindings: %w", err)
	}
	for i := range rbs.Items {
		if rb := &rbs.Items[i]; !slices.Contains(keep, rb.Namespace) {
			if err := s.c.Delete(ctx, rb); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete RoleBinding %s/%s: %w", rb.Namespace, rb.Name, err)
			}
		}
	}
	if len(keep) > 0 || !a.DeletionTimestamp.IsZero() {
		var crbs rbacv1.ClusterRoleBindingList
		if err := s.c.List(ctx, &crbs, ours); err != nil {
			return fmt.Errorf("list the aggregator's ClusterRoleBindings: %w", err)
		}
		for i := range crbs.Items {
			if err := s.c.Delete(ctx, &crbs.Items[i]); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("delete ClusterRoleBinding %s: %w", crbs.Items[i].Name, err)
			}
		}
	}
	return nil
}

// finalizeAggregator deletes the bindings outside the aggregator's
// namespace, then lets the FhirAggregator go; its other children carry a
// controller reference and go with it (the data volume too: the aggregated
// store is rebuilt from the FhirEndpoints).
func finalizeAggregator(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	if !slices.Contains(a.Finalizers, AggregatorFinalizer) {
		return nil
	}
	if err := deleteAggregatorBindings(ctx, s, nil); err != nil {
		return err
	}
	patch := client.MergeFromWithOptions(a.DeepCopy(), client.MergeFromWithOptimisticLock{})
	a.Finalizers = slices.DeleteFunc(a.Finalizers, func(f string) bool { return f == AggregatorFinalizer })
	if err := s.c.Patch(ctx, a, patch); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}
