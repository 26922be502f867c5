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

func TestFollowedSources(t *testing.T) {
	ep := func(enabled bool, lag *int64) fhirv1.FhirEndpoint {
		e := fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "e"}}
		e.Spec.Aggregation.Enabled = &enabled
		if lag != nil {
			e.Status.Aggregation = &fhirv1.AggregationStatus{LagSeconds: lag}
		}
		return e
	}
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name      string
		endpoints []fhirv1.FhirEndpoint
		wantN     int32
		wantWorst *int64
	}{
		{"none", nil, 0, nil},
		{"not yet reported", []fhirv1.FhirEndpoint{ep(true, nil)}, 1, nil},
		{"the worst of the enabled", []fhirv1.FhirEndpoint{ep(true, n(3)), ep(true, n(9)), ep(false, n(100)), ep(true, nil)}, 3, n(9)},
		{"zero is a lag", []fhirv1.FhirEndpoint{ep(true, n(0))}, 1, n(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotN, gotWorst := followedSources(tt.endpoints)
			if gotN != tt.wantN || (gotWorst == nil) != (tt.wantWorst == nil) || (gotWorst != nil && *gotWorst != *tt.wantWorst) {
				t.Errorf("followedSources = %d, %v; want %d, %v", gotN, gotWorst, tt.wantN, tt.wantWorst)
			}
		})
	}
}
