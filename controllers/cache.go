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
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CacheOptions restricts the manager's cache to the operator's own children:
// objects carrying the fhir.fhirfleet.io/endpoint label. Without it the
// manager would hold every Secret (and StatefulSet, Service...) of the
// cluster in memory. A Secret the user made without that label is read
// uncached (FhirEndpointReconciler.APIReader) instead.
func CacheOptions() cache.Options {
	req, err := labels.NewRequirement(LabelEndpoint, selection.Exists, nil)
	if err != nil {
		// The key is a constant, valid label key: this cannot happen.
		panic(err)
	}
	ours := cache.ByObject{Label: labels.NewSelector().Add(*req)}
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}:                ours,
			&corev1.PersistentVolumeClaim{}: ours,
			&corev1.Service{}:               ours,
			&appsv1.StatefulSet{}:           ours,
			&networkingv1.Ingress{}:         ours,
			&networkingv1.NetworkPolicy{}:   ours,
		},
	}
}
