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
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// One name for every binding of one aggregator, different for every
// aggregator: two aggregators of one name in two namespaces must not share
// (and take over) each other's ClusterRoleBinding.
func TestAggregatorBindingName(t *testing.T) {
	a := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: "ops"}}
	b := &fhirv1.FhirAggregator{ObjectMeta: metav1.ObjectMeta{Name: "agg", Namespace: "ops2"}}
	if got := aggregatorBindingName(a); got != "fhirfleet-aggregator-ops-agg" {
		t.Errorf("binding name = %q", got)
	}
	if aggregatorBindingName(a) == aggregatorBindingName(b) {
		t.Errorf("two aggregators share a binding name")
	}
}
