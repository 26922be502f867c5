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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// newAggregatorChildCache is the cache of the FhirAggregators' children:
// objects carrying fhir.fhirfleet.io/aggregator, and nothing else. It is a
// cache of its own because the manager's (CacheOptions) holds only objects
// carrying fhir.fhirfleet.io/endpoint, and a label selector cannot say
// "either label"; widening the manager's to every Secret of the cluster is
// what both restrictions exist to avoid. The manager starts it with its
// other caches, before any controller.
func newAggregatorChildCache(mgr ctrl.Manager) (cache.Cache, error) {
	req, err := labels.NewRequirement(LabelAggregator, selection.Exists, nil)
	if err != nil {
		// The key is a constant, valid label key: this cannot happen.
		panic(err)
	}
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		HTTPClient:           mgr.GetHTTPClient(),
		Scheme:               mgr.GetScheme(),
		Mapper:               mgr.GetRESTMapper(),
		DefaultLabelSelector: labels.NewSelector().Add(*req),
	})
	if err != nil {
		return nil, fmt.Errorf("create the FhirAggregator children's cache: %w", err)
	}
	if err := mgr.Add(cacheRunnable{c}); err != nil {
		return nil, fmt.Errorf("add the FhirAggregator children's cache: %w", err)
	}
	return c, nil
}

// cacheRunnable makes the manager start a cache in its group of caches
// (which it waits on before starting controllers), not as just any runnable.
type cacheRunnable struct{ cache.Cache }

func (c cacheRunnable) GetCache() cache.Cache { return c.Cache }

// isAggregatorChild reports whether obj (an object or a list) is of a kind
// the aggregator's children's cache holds.
func isAggregatorChild(obj any) bool {
	switch obj.(type) {
	case *corev1.Secret, *corev1.SecretList, *corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaimList, *corev1.Service, *corev1.ServiceAccount,
		*appsv1.StatefulSet, *networkingv1.Ingress,
		*rbacv1.RoleBinding, *rbacv1.RoleBindingList, *rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBindingList:
		return true
	}
	return false
}

// childClient reads the aggregator's children from their cache and
// everything else (StorageClasses...) through the embedded client, which
// also does every write.
type childClient struct {
	client.Client
	children client.Reader
}

func (c childClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if isAggregatorChild(obj) {
		return c.children.Get(ctx, key, obj, opts...)
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func (c childClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if isAggregatorChild(list) {
		return c.children.List(ctx, list, opts...)
	}
	return c.Client.List(ctx, list, opts...)
}
