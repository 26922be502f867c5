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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestCacheOptions(t *testing.T) {
	opts := CacheOptions()
	kinds := map[string]bool{}
	for obj, by := range opts.ByObject {
		kind := ""
		switch obj.(type) {
		case *corev1.Secret:
			kind = "Secret"
		case *corev1.PersistentVolumeClaim:
			kind = "PVC"
		case *corev1.Service:
			kind = "Service"
		case *appsv1.StatefulSet:
			kind = "StatefulSet"
		case *networkingv1.Ingress:
			kind = "Ingress"
		case *networkingv1.NetworkPolicy:
			kind = "NetworkPolicy"
		}
		kinds[kind] = true
		if by.Label == nil {
			t.Fatalf("%s: no label selector", kind)
		}
		if !by.Label.Matches(labels.Set{LabelEndpoint: "x"}) {
			t.Errorf("%s: selector %s misses a child", kind, by.Label)
		}
		if by.Label.Matches(labels.Set{"app": "unrelated"}) {
			t.Errorf("%s: selector %s admits an unrelated object", kind, by.Label)
		}
	}
	for _, k := range []string{"Secret", "PVC", "Service", "StatefulSet", "Ingress", "NetworkPolicy"} {
		if !kinds[k] {
			t.Errorf("the cache is not restricted for %s", k)
		}
	}
}
