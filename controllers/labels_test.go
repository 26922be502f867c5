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

func TestLabels(t *testing.T) {
	e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "acme-labs"}}
	pod := podLabels(e)
	for k, v := range selectorLabels(e) {
		if pod[k] != v {
			t.Errorf("pod label %s = %q, want %q: the selector must match the pod", k, pod[k], v)
		}
	}
	for k, v := range childLabels(e) {
		if pod[k] != v {
			t.Errorf("pod label %s = %q, want %q", k, pod[k], v)
		}
	}
	if got := childLabels(e)[LabelManagedBy]; got != "fhirfleet" {
		t.Errorf("managed-by = %q", got)
	}
	if got := childLabels(e)[LabelEndpoint]; got != "acme-labs" {
		t.Errorf("endpoint label = %q", got)
	}
}
