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
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// dataClaim is a workload's data volume as its reconciler asks for it: the
// FhirEndpoint's <name>-data and the FhirAggregator's <name>-data are both
// reconciled by reconcileClaim.
type dataClaim struct {
	name, namespace string
	labels          map[string]string
	owner           *metav1ac.OwnerReferenceApplyConfiguration
	storage         fhirv1.StorageSpec
}

// reconcilePVC applies <name>-data.
func reconcilePVC(ctx context.Context, s *scope) error {
	e := s.endpoint
	return reconcileClaim(ctx, s, s.c, dataClaim{
		name: e.DataClaimName(), namespace: e.Namespace, labels: childLabels(e), owner: s.ownerRef(), storage: e.Spec.Storage,
	})
}

// reconcileClaim applies a data claim and reports it in StorageReady. The
// claim is owned directly, not through a StatefulSet volumeClaimTemplate,
// because templates cannot be resized: a larger spec.storage.size is
// applied here and the storage driver expands the volume (if its class
// allows expansion; see refuseResize if not).
func reconcileClaim(ctx context.Context, s reporter, c client.Client, claim dataClaim) error {
	live := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: claim.name, Namespace: claim.namespace}}
	// The claim may have been expanded by hand beyond the spec; asking for
	// less would be refused (claims never shrink), so keep the larger size.
	size := claim.storage.EffectiveSize()
	var current *resource.Quantity
	if err := c.Get(ctx, client.ObjectKeyFromObject(live), live); err == nil {
		if cur, ok := live.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			current = &cur
			if cur.Cmp(size) > 0 {
				size = cur
			}
		}
	}
	_, err := applyChild(ctx, c, live, desiredPVC(claim, size), corev1ac.ExtractPersistentVolumeClaim)
	if err != nil && current != nil && size.Cmp(*current) > 0 && (apierrors.IsForbidden(err) || apierrors.IsInvalid(err)) {
		return refuseResize(ctx, s, c, claim, live, size, *current, err)
	}
	if err != nil {
		return err
	}
	setCondition(s, fhirv1.ConditionStorageReady, metav1.ConditionTrue, fhirv1.ReasonApplied, fmt.Sprintf("claim %s requests %s", claim.name, size.String()))
	return nil
}

// refuseResize handles a larger size the API server would not apply: its
// PersistentVolumeClaimResize admission refuses to grow a claim whose class
// does not allow expansion, or one not yet bound. The claim keeps its size
// (and is otherwise still applied, so its labels and owner are repaired), and
// StorageReady says why in the API server's words. Retrying would be refused
// alike, so the stage blocks instead of returning an error: the next try
// comes when the spec changes or the storage class does (the controller
// watches StorageClasses, see endpointsOfStorageClass).
func refuseResize(ctx context.Context, s reporter, c client.Client, claim dataClaim, live *corev1.PersistentVolumeClaim, want, current resource.Quantity, refused error) error {
	if _, err := applyChild(ctx, c, live, desiredPVC(claim, current), corev1ac.ExtractPersistentVolumeClaim); err != nil {
		return err
	}
	msg := fmt.Sprintf("claim %s stays at %s, the API server refused %s: %s", live.Name, current.String(), want.String(), apiMessage(refused))
	setCondition(s, fhirv1.ConditionStorageReady, metav1.ConditionFalse, fhirv1.ReasonResizeRefused, msg)
	if classAllowsExpansion(ctx, c, live) {
		// The class already allows expansion in our view, so the refusal
		// came from the API server's admission working from an older copy
		// of the class (its informer lags the watch event that brought us
		// here): that one is worth retrying with backoff, not waiting for
		// another change that may never come.
		return fmt.Errorf("%s (its storage class allows expansion; retrying)", msg)
	}
	return s.block(fhirv1.ReasonResizeRefused, msg)
}

// classAllowsExpansion reports whether the claim's storage class, as the
// operator's cache has it, allows volume expansion.
func classAllowsExpansion(ctx context.Context, c client.Client, claim *corev1.PersistentVolumeClaim) bool {
	if claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName == "" {
		return false
	}
	class := &storagev1.StorageClass{}
	if err := c.Get(ctx, client.ObjectKey{Name: *claim.Spec.StorageClassName}, class); err != nil {
		return false
	}
	return class.AllowVolumeExpansion != nil && *class.AllowVolumeExpansion
}

// desiredPVC is the data claim: one writer (ReadWriteOnce), the requested size
// and, if set, the storage class.
func desiredPVC(claim dataClaim, size resource.Quantity) *corev1ac.PersistentVolumeClaimApplyConfiguration {
	spec := corev1ac.PersistentVolumeClaimSpec().
		WithAccessModes(corev1.ReadWriteOnce).
		WithResources(corev1ac.VolumeResourceRequirements().
			WithRequests(corev1.ResourceList{corev1.ResourceStorage: size}))
	if claim.storage.StorageClassName != nil {
		spec.WithStorageClassName(*claim.storage.StorageClassName)
	}
	return corev1ac.PersistentVolumeClaim(claim.name, claim.namespace).
		WithLabels(claim.labels).
		WithOwnerReferences(claim.owner).
		WithSpec(spec)
}

// endpointsOfStorageClass maps a StorageClass event to the endpoints whose
// claim is of that class, so a resize the class refused is tried again as
// soon as the class allows expansion. The claims come from the cache, which
// holds only the operator's own.
func (r *FhirEndpointReconciler) endpointsOfStorageClass(ctx context.Context, o client.Object) []reconcile.Request {
	return claimOwnersOfClass(ctx, r.Client, LabelEndpoint, o.GetName())
}

// claimOwnersOfClass lists the claims labelled ownerLabel (whose value names
// their FhirEndpoint or FhirAggregator, in the claim's namespace) that are of
// storage class class, as requests for their owners.
func claimOwnersOfClass(ctx context.Context, c client.Reader, ownerLabel, class string) []reconcile.Request {
	var claims corev1.PersistentVolumeClaimList
	if err := c.List(ctx, &claims, client.HasLabels{ownerLabel}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, pvc := range claims.Items {
		if pvc.Spec.StorageClassName != nil && *pvc.Spec.StorageClassName == class {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: pvc.Namespace, Name: pvc.Labels[ownerLabel]}})
		}
	}
	return reqs
}
