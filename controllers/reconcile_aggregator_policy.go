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

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// checkAggregatorPolicy applies the manager's policy to a FhirAggregator as
// checkSpecPolicy does to a FhirEndpoint (spec.image, spec.ingress.annotations),
// and says in SpecAccepted when the aggregator runs where the FhirEndpoints'
// NetworkPolicies do not admit it: they admit aggregator pods only in
// --aggregator-namespace, so one elsewhere would run and reach nothing.
// It never blocks.
func checkAggregatorPolicy(_ context.Context, s *aggregatorScope) error {
	a := s.aggregator
	v := judgeSpec(s.cfg.AllowedIngressAnnotations, s.cfg.AllowedAggregatorImagePrefixes, "--aggregator-image", s.cfg.AggregatorImage, a.Spec.Image, a.Spec.Ingress.Annotations)
	s.ingressAnnotations, s.imageRefused = v.annotations, v.imageRefused
	if a.Namespace != s.cfg.AggregatorNamespace {
		msg := fmt.Sprintf("the FhirEndpoints' NetworkPolicies admit aggregator pods only in namespace %s (the manager's --aggregator-namespace), not %s: create the FhirAggregator there", s.cfg.AggregatorNamespace, a.Namespace)
		if v.reason == "" {
			v.reason, v.message = fhirv1.ReasonNamespaceNotAdmitted, msg
		} else {
			v.message += "; " + msg
		}
	}
	v.report(s)
	return nil
}

// aggregatorImage is the image the aggregator runs: spec.image if the policy
// allows it, else --aggregator-image.
func aggregatorImage(s *aggregatorScope) string {
	if s.aggregator.Spec.Image != "" && !s.imageRefused {
		return s.aggregator.Spec.Image
	}
	return s.cfg.AggregatorImage
}
