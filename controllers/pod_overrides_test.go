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
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestPodMetadataOperatorWins(t *testing.T) {
	e := &fhirv1.FhirEndpoint{ObjectMeta: metav1.ObjectMeta{Name: "ep"}}
	e.Spec.PodTemplate.Labels = map[string]string{LabelEndpoint: "other", labelComponent: "spoof", "team": "labs"}
	e.Spec.PodTemplate.Annotations = map[string]string{AnnotationCredentialsHash: "forced", "owner": "labs"}
	labels, annotations := podMetadata(e, "h1")
	g := NewWithT(t)
	g.Expect(labels).To(HaveKeyWithValue("team", "labs"))
	for k, v := range podLabels(e) {
		g.Expect(labels).To(HaveKeyWithValue(k, v))
	}
	g.Expect(annotations).To(Equal(map[string]string{AnnotationCredentialsHash: "h1", "owner": "labs"}))
	g.Expect(e.Spec.PodTemplate.Labels[LabelEndpoint]).To(Equal("other"), "the spec is not modified")
}

var _ = Describe("spec.podTemplate", func() {
	ctx := context.Background()

	It("lands in the pod template, the operator's own labels and settings winning, and costs no writes once applied", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "pt", func(e *fhirv1.FhirEndpoint) {
			e.Spec.PodTemplate = fhirv1.PodTemplateOverrides{
				Labels:       map[string]string{"team": "labs", LabelEndpoint: "hijack"},
				Annotations:  map[string]string{"owner": "labs", AnnotationCredentialsHash: "forced"},
				NodeSelector: map[string]string{"disktype": "ssd"},
				Tolerations:  []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "fhir", Effect: corev1.TaintEffectNoSchedule}},
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
					NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
						Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}}}}}},
				TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname",
					WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "labs"}}}},
				PriorityClassName:  "fhir-high",
				ServiceAccountName: "fhir-labs",
			}
		}))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "pt")
		tpl := sts.Spec.Template
		Expect(tpl.Labels).To(HaveKeyWithValue("team", "labs"))
		Expect(tpl.Labels).To(HaveKeyWithValue(LabelEndpoint, "pt"), "the selector label is the operator's")
		Expect(tpl.Annotations).To(HaveKeyWithValue("owner", "labs"))
		Expect(tpl.Annotations[AnnotationCredentialsHash]).NotTo(Equal("forced"))
		pod := tpl.Spec
		Expect(pod.NodeSelector).To(Equal(map[string]string{"disktype": "ssd"}))
		Expect(pod.Tolerations).To(Equal(e.Spec.PodTemplate.Tolerations))
		Expect(pod.Affinity).To(Equal(e.Spec.PodTemplate.Affinity))
		Expect(pod.TopologySpreadConstraints).To(Equal(e.Spec.PodTemplate.TopologySpreadConstraints))
		Expect(pod.PriorityClassName).To(Equal("fhir-high"))
		Expect(pod.ServiceAccountName).To(Equal("fhir-labs"))
		Expect(pod.AutomountServiceAccountToken).To(Equal(ptr.To(false)), "a chosen service account still gets no token")
		Expect(pod.SecurityContext.RunAsNonRoot).To(Equal(ptr.To(true)))

		// The manager's own reconciles (set off by provisioning's status
		// writes) may still be writing: count only once one writes nothing.
		Eventually(func() int64 {
			before := writes.writesIn(ns)
			reconcileNow(e)
			return writes.writesIn(ns) - before
		}).Should(BeZero())
		before := writes.writesIn(ns)
		for range 3 {
			reconcileNow(e)
		}
		Expect(writes.writesIn(ns)-before).To(BeZero(), "reconciling an unchanged endpoint with overrides wrote to the API server")
	})

	It("has no field for the operator's own settings: the API server drops them", func() {
		ns := newNamespace()
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": fhirv1.GroupVersion.String(), "kind": "FhirEndpoint",
			"metadata": map[string]any{"name": "own", "namespace": ns},
			"spec": map[string]any{"customer": "acme", "feed": ns, "fhirVersion": "R4", "podTemplate": map[string]any{
				"priorityClassName": "fhir-high",
				"securityContext":   map[string]any{"runAsUser": int64(0)},
				"containers":        []any{map[string]any{"name": "fhirserver", "command": []any{"sh"}}},
			}},
		}}
		Expect(k8sClient.Create(ctx, u)).To(Succeed())
		stored, found, err := unstructured.NestedMap(u.Object, "spec", "podTemplate")
		Expect(err).NotTo(HaveOccurred())
		Expect(found).To(BeTrue())
		Expect(stored).To(Equal(map[string]any{"priorityClassName": "fhir-high"}))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "own")
		Expect(sts.Spec.Template.Spec.SecurityContext.RunAsUser).To(Equal(ptr.To[int64](nonRootID)))
		Expect(sts.Spec.Template.Spec.Containers[0].Command[0]).To(Equal("fhirserver"))
	})
})
