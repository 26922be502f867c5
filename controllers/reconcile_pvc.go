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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// reconcilePVC applies <name>-data. The claim is owned directly, not through
// a StatefulSet volumeClaimTemplate, because templates cannot be resized: a
// larger spec.storage.size is applied here and the storage driver expands
// the volume (if its class allows expansion).
func reconcilePVC(ctx context.Context, s *scope) error {
	live := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: s.endpoint.DataClaimName(), Namespace: s.endpoint.Namespace}}
	// The claim may have been expanded by hand beyond the spec; asking for
	// less would be refused (claims never shrink), so keep the larger size.
	size := s.endpoint.StorageSize()
	if err := s.c.Get(ctx, client.ObjectKeyFromObject(live), live); err == nil {
		if cur, ok := live.Spec.Resources.Requests[corev1.ResourceStorage]; ok && cur.Cmp(size) > 0 {
			size = cur
		}
	}
	_, err := applyChild(ctx, s, live, desiredPVC(s, size), corev1ac.ExtractPersistentVolumeClaim)
	return err
}

// desiredPVC is the data claim: one writer (ReadWriteOnce), the requested size
// and, if set, the storage class.
func desiredPVC(s *scope, size resource.Quantity) *corev1ac.PersistentVolumeClaimApplyConfiguration {
	e := s.endpoint
	spec := corev1ac.PersistentVolumeClaimSpec().
		WithAccessModes(corev1.ReadWriteOnce).
		WithResources(corev1ac.VolumeResourceRequirements().
			WithRequests(corev1.ResourceList{corev1.ResourceStorage: size}))
	if e.Spec.Storage.StorageClassName != nil {
		spec.WithStorageClassName(*e.Spec.Storage.StorageClassName)
	}
	return corev1ac.PersistentVolumeClaim(e.DataClaimName(), e.Namespace).
		WithLabels(childLabels(e)).
		WithOwnerReferences(s.ownerRef()).
		WithSpec(spec)
}
