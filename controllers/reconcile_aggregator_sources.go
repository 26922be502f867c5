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

	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// reconcileAggregatorSources reports in status the FhirEndpoints the
// aggregator follows (those in its namespaces with aggregation enabled) and
// the worst lag the aggregator reports on them (their
// status.aggregation.lagSeconds). The manager's cache holds every
// FhirEndpoint, and each one's change brings the aggregator back here.
func reconcileAggregatorSources(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	var endpoints []fhirv1.FhirEndpoint
	namespaces := a.Spec.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""} // every namespace
	}
	for _, ns := range namespaces {
		var list fhirv1.FhirEndpointList
		if err := s.fleet.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return fmt.Errorf("list FhirEndpoints in %q: %w", ns, err)
		}
		endpoints = append(endpoints, list.Items...)
	}
	sources, worst := followedSources(endpoints)
	a.Status.Sources, a.Status.WorstLagSeconds = sources, worst
	return nil
}

// followedSources counts the endpoints with aggregation enabled and the
// largest lag among them (nil when none reports one).
func followedSources(endpoints []fhirv1.FhirEndpoint) (int32, *int64) {
	var n int32
	var worst *int64
	for i := range endpoints {
		e := &endpoints[i]
		if !e.AggregationEnabled() {
			continue
		}
		n++
		if ag := e.Status.Aggregation; ag != nil && ag.LagSeconds != nil && (worst == nil || *ag.LagSeconds > *worst) {
			lag := *ag.LagSeconds
			worst = &lag
		}
	}
	return n, worst
}
