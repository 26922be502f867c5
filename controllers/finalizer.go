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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// finalize carries out the deletion policy on the data volume, then lets the
// FhirEndpoint go. Every other child carries a controller reference and is
// removed by Kubernetes' garbage collector.
//
// Retain takes the FhirEndpoint's owner reference off the claim, so the
// garbage collector leaves it; a FhirEndpoint created later with the same
// name adopts it again (apply sets the reference back). Delete deletes the
// claim now rather than leaving it to the collector, so it is gone when the
// FhirEndpoint is.
func (r *FhirEndpointReconciler) finalize(ctx context.Context, e *fhirv1.FhirEndpoint) error {
	if !controllerutil.ContainsFinalizer(e, Finalizer) {
		return nil
	}
	pvc := &corev1.PersistentVolumeClaim{}
	key := types.NamespacedName{Namespace: e.Namespace, Name: e.DataClaimName()}
	err := r.Client.Get(ctx, key, pvc)
	if apierrors.IsNotFound(err) && r.APIReader != nil {
		// A claim whose labels were removed is not in the cache, but it still
		// carries our owner reference: under Retain the garbage collector
		// would take the data with it, so look it up for real.
		err = r.APIReader.Get(ctx, key, pvc)
	}
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get PersistentVolumeClaim %s: %w", e.DataClaimName(), err)
	case e.EffectiveDeletionPolicy() == fhirv1.DeletionPolicyDelete:
		if err := r.Client.Delete(ctx, pvc); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete PersistentVolumeClaim %s: %w", pvc.Name, err)
		}
		r.event(e, pvc, corev1.EventTypeNormal, "VolumeDeleted", "deletionPolicy Delete: deleted PersistentVolumeClaim %s", pvc.Name)
	default:
		if err := releaseClaim(ctx, r.Client, e, pvc); err != nil {
			return err
		}
		r.event(e, pvc, corev1.EventTypeNormal, "VolumeRetained", "deletionPolicy Retain: PersistentVolumeClaim %s outlives this FhirEndpoint", pvc.Name)
	}

	patch := client.MergeFromWithOptions(e.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(e, Finalizer)
	if err := r.Client.Patch(ctx, e, patch); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

// releaseClaim removes e's owner reference from the claim (and only that one).
func releaseClaim(ctx context.Context, c client.Client, e *fhirv1.FhirEndpoint, pvc *corev1.PersistentVolumeClaim) error {
	var kept []metav1.OwnerReference
	for _, ref := range pvc.OwnerReferences {
		if ref.UID != e.UID {
			kept = append(kept, ref)
		}
	}
	if len(kept) == len(pvc.OwnerReferences) {
		return nil
	}
	patch := client.MergeFromWithOptions(pvc.DeepCopy(), client.MergeFromWithOptimisticLock{})
	pvc.OwnerReferences = kept
	if err := c.Patch(ctx, pvc, patch, client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("release PersistentVolumeClaim %s: %w", pvc.Name, err)
	}
	return nil
}

func (r *FhirEndpointReconciler) event(e *fhirv1.FhirEndpoint, related client.Object, eventType, reason, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(e, related, eventType, reason, reason, note, args...)
	}
}
