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
	"encoding/json"
	"fmt"
	"maps"

	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// podMetadata is the pod template's labels and annotations: the spec's
// spec.podTemplate ones, then the operator's over them. The operator's must
// win: the labels are the StatefulSet's selector and what the Service and
// NetworkPolicy select on, and the credentials hash decides when the pod rolls.
func podMetadata(e *fhirv1.FhirEndpoint, secretHash string) (labels, annotations map[string]string) {
	labels = maps.Clone(e.Spec.PodTemplate.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, podLabels(e))
	annotations = maps.Clone(e.Spec.PodTemplate.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[AnnotationCredentialsHash] = secretHash
	return labels, annotations
}

// applyPodOverrides sets spec.podTemplate's scheduling fields on pod. These
// are fields the operator leaves empty, so there is nothing to arbitrate;
// what the operator does set has no field in PodTemplateOverrides, so it
// cannot be overridden. Unset fields stay out of the apply configuration, so
// an endpoint without overrides keeps the pod template it always had.
func applyPodOverrides(pod *corev1ac.PodSpecApplyConfiguration, o fhirv1.PodTemplateOverrides) error {
	if len(o.NodeSelector) > 0 {
		pod.WithNodeSelector(o.NodeSelector)
	}
	if o.PriorityClassName != "" {
		pod.WithPriorityClassName(o.PriorityClassName)
	}
	if o.ServiceAccountName != "" {
		pod.WithServiceAccountName(o.ServiceAccountName)
	}
	if len(o.Tolerations) > 0 {
		if err := convert(o.Tolerations, &pod.Tolerations); err != nil {
			return fmt.Errorf("spec.podTemplate.tolerations: %w", err)
		}
	}
	if len(o.TopologySpreadConstraints) > 0 {
		if err := convert(o.TopologySpreadConstraints, &pod.TopologySpreadConstraints); err != nil {
			return fmt.Errorf("spec.podTemplate.topologySpreadConstraints: %w", err)
		}
	}
	if o.Affinity != nil {
		if err := convert(o.Affinity, &pod.Affinity); err != nil {
			return fmt.Errorf("spec.podTemplate.affinity: %w", err)
		}
	}
	return nil
}

// convert turns an API type into its apply configuration. The two share
// their JSON form by construction (applyconfiguration-gen derives one from
// the other), which spares a hand-written copy of every nested field of
// Affinity.
func convert(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
