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
	"maps"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// The pod's labels are what three parties select on: the StatefulSet and
// Service (the selector), the FhirEndpoints' NetworkPolicies (the peer
// labels) and the aggregator's own cache (LabelAggregator).
func TestAggregatorPodLabels(t *testing.T) {
	a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: "fhirfleet-system"}}
	pod := labels.Set(aggregatorPodLabels(a))
	for name, want := range map[string]map[string]string{
		"selector":       aggregatorSelectorLabels(a),
		"network peer":   aggregatorPeerLabels(),
		"child":          aggregatorChildLabels(a),
		"the peer names": {"app.kubernetes.io/name": "fhirfleet-aggregator", "app.kubernetes.io/component": "aggregator"},
	} {
		if !labels.SelectorFromSet(want).Matches(pod) {
			t.Errorf("pod labels %v do not carry the %s labels %v", pod, name, want)
		}
	}
	if _, ok := aggregatorSelectorLabels(a)[LabelEndpoint]; ok {
		t.Errorf("the aggregator's labels must not name an endpoint: the FhirEndpoint reconciler would map its children")
	}
	other := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "fhirfleet-system"}}
	if labels.SelectorFromSet(aggregatorSelectorLabels(other)).Matches(pod) {
		t.Errorf("another aggregator's selector picks this one's pod")
	}
}

func TestAggregatorScopeReports(t *testing.T) {
	a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: "ops", Generation: 3}}
	s := &aggregatorScope{aggregator: a, cfg: Config{URLScheme: "https"}, host: "aggregated.example.test"}
	setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionTrue, fhirv1.ReasonPodReady, "")
	if len(a.Status.Conditions) != 1 || a.Status.Conditions[0].ObservedGeneration != 3 {
		t.Errorf("conditions = %+v, want one stamped with generation 3", a.Status.Conditions)
	}
	if got := s.baseURL(); got != "https://aggregated.example.test" {
		t.Errorf("baseURL = %q", got)
	}
	s.cfg.URLPort = 8080 // make dev's gateway: the aggregator names itself like the servers do
	if got := s.baseURL(); got != "https://aggregated.example.test:8080" {
		t.Errorf("baseURL with URLPort = %q", got)
	}
	ref := s.ownerRef()
	if *ref.Kind != "FhirAggregator" || !*ref.Controller || *ref.Name != "agg" {
		t.Errorf("ownerRef = %+v", ref)
	}
	want := map[string]string{LabelManagedBy: ManagedByValue, LabelAggregator: "agg", LabelAggregatorNamespace: "ops"}
	if got := aggregatorChildLabels(a); !maps.Equal(got, want) {
		t.Errorf("child labels = %v, want %v", got, want)
	}
}
