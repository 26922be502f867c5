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

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// operatorConditions are the condition types the operator writes; every
// other type (the aggregator's Aggregated) belongs to another writer.
func operatorConditions() []string {
	return append([]string{fhirv1.ConditionReady, fhirv1.ConditionSuspended, fhirv1.ConditionSpecAccepted, fhirv1.ConditionUpToDate}, childConditions()...)
}

// ownedStatus is the part of st the operator owns: every field but
// status.aggregation, and only its own conditions, in a fixed order (the
// API server keeps a map-list in whatever order its writers left it).
func ownedStatus(st fhirv1.FhirEndpointStatus) fhirv1.FhirEndpointStatus {
	out := *st.DeepCopy()
	out.Aggregation = nil
	ours := operatorConditions()
	out.Conditions = slices.DeleteFunc(out.Conditions, func(c metav1.Condition) bool { return !slices.Contains(ours, c.Type) })
	slices.SortFunc(out.Conditions, func(a, b metav1.Condition) int { return strings.Compare(a.Type, b.Type) })
	if len(out.Conditions) == 0 {
		out.Conditions = nil
	}
	return out
}

// writeStatus server-side applies the operator's part of after's status on
// the status subresource, under FieldManager, unless it equals before's.
// Status is shared: the aggregator applies status.aggregation and its
// Aggregated condition under its own field manager. A merge patch or an
// update sends the conditions list whole, so a copy read before the
// aggregator's last write would erase it; an apply sends only the
// operator's own entries (conditions are a map-list keyed by type), so each
// writer's fields survive the other's writes. As with the children, an
// unchanged status is not sent at all, so a steady state costs no writes.
func writeStatus(ctx context.Context, c client.Client, before, after *fhirv1.FhirEndpoint) error {
	want := ownedStatus(after.Status)
	if equality.Semantic.DeepEqual(ownedStatus(before.Status), want) {
		return nil
	}
	return applyStatus(ctx, c, "FhirEndpoint", after, &want)
}

// applyStatus server-side applies status (a pointer to a typed status) on
// the status subresource of obj, a kind of this API group, under
// FieldManager. ForceOwnership takes back a field of ours another writer set.
func applyStatus(ctx context.Context, c client.Client, kind string, obj client.Object, status any) error {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(status)
	if err != nil {
		return fmt.Errorf("convert status: %w", err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": content}}
	u.SetGroupVersionKind(fhirv1.GroupVersion.WithKind(kind))
	u.SetName(obj.GetName())
	u.SetNamespace(obj.GetNamespace())
	if err := c.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply status: %w", err)
	}
	return nil
}
