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

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// reconcileAggregatorPVC applies <name>-data, grow-only, as a FhirEndpoint's.
func reconcileAggregatorPVC(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	return reconcileClaim(ctx, s, s.c, dataClaim{
		name: a.DataClaimName(), namespace: a.Namespace, labels: aggregatorChildLabels(a), owner: s.ownerRef(), storage: a.Spec.Storage,
	})
}

// aggregatorsOfStorageClass maps a StorageClass event to the aggregators
// whose claim is of that class, so a resize the class refused is tried again
// as soon as it allows expansion (as endpointsOfStorageClass does for
// FhirEndpoints).
func (r *FhirAggregatorReconciler) aggregatorsOfStorageClass(ctx context.Context, o client.Object) []reconcile.Request {
	return claimOwnersOfClass(ctx, r.children, LabelAggregator, o.GetName())
}
