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
)

// reconcileAggregatorSubdomain claims the host as a FhirEndpoint's subdomain
// stage does, in the one host namespace of both kinds (hostHolder): the
// older claim wins, and the later one gets no children and loses its Ingress.
func reconcileAggregatorSubdomain(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	return claimHost(ctx, s, s.c, s.fleet, a, s.host, s.baseURL(), &a.Status.URL, &a.Status.TokenURL)
}

// reconcileAggregatorIngress applies the Ingress <name> on
// <subdomain>.<base-domain>, built as a FhirEndpoint's: /fhir, /oauth2 and
// /.well-known to the Service's http port, nothing else.
func reconcileAggregatorIngress(ctx context.Context, s *aggregatorScope) error {
	a := s.aggregator
	return applyIngress(ctx, s, s.c, s.cfg, ingressChild{name: a.Name, namespace: a.Namespace, labels: aggregatorChildLabels(a),
		owner: s.ownerRef(), host: s.host, spec: a.Spec.Ingress, annotations: s.ingressAnnotations})
}
