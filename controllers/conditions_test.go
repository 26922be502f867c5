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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

func TestSummaryConditions(t *testing.T) {
	ready := func(s *scope) {
		for _, c := range childConditions() {
			setCondition(s, c, metav1.ConditionTrue, "X", "")
		}
	}
	tests := []struct {
		name       string
		prepare    func(s *scope)
		applied    bool
		err        error
		wantReason string
	}{
		{"all true", ready, true, nil, fhirv1.ReasonReady},
		{"pod not ready", func(s *scope) {
			ready(s)
			setCondition(s, fhirv1.ConditionAvailable, metav1.ConditionFalse, fhirv1.ReasonPodNotReady, "")
		}, true, nil, fhirv1.ReasonProgressing},
		{"suspended", func(s *scope) { ready(s); s.suspended = true }, true, nil, fhirv1.ReasonSuspended},
		{"blocked", func(s *scope) { _ = s.block(fhirv1.ReasonSubdomainConflict, "m") }, false, errBlocked, fhirv1.ReasonSubdomainConflict},
		{"error", ready, false, context.DeadlineExceeded, fhirv1.ReasonReconcileError},
		{"not applied", ready, false, nil, fhirv1.ReasonProgressing},
		{"spec refused, though the server serves", func(s *scope) {
			ready(s)
			setCondition(s, fhirv1.ConditionSpecAccepted, metav1.ConditionFalse, fhirv1.ReasonImageRefused, "m")
		}, true, nil, fhirv1.ReasonImageRefused},
		{"spec refused outranks suspended", func(s *scope) {
			ready(s)
			s.suspended = true
			setCondition(s, fhirv1.ConditionSpecAccepted, metav1.ConditionFalse, fhirv1.ReasonAnnotationsRefused, "m")
		}, true, nil, fhirv1.ReasonAnnotationsRefused},
		{"spec accepted", func(s *scope) {
			ready(s)
			setCondition(s, fhirv1.ConditionSpecAccepted, metav1.ConditionTrue, fhirv1.ReasonAccepted, "")
		}, true, nil, fhirv1.ReasonReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scope{endpoint: &fhirv1.FhirEndpoint{}}
			tt.prepare(s)
			setSummaryConditions(s, tt.applied, tt.err)
			var got *metav1.Condition
			for i := range s.endpoint.Status.Conditions {
				if s.endpoint.Status.Conditions[i].Type == fhirv1.ConditionReady {
					got = &s.endpoint.Status.Conditions[i]
				}
			}
			if got == nil || got.Reason != tt.wantReason {
				t.Fatalf("Ready = %+v, want reason %s", got, tt.wantReason)
			}
			if (got.Status == metav1.ConditionTrue) != (tt.wantReason == fhirv1.ReasonReady) {
				t.Errorf("Ready status = %s", got.Status)
			}
		})
	}
}

var _ = Describe("conditions", func() {

	It("go from Progressing to Ready as the server pod becomes ready, and back", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "seq", nil))
		Expect(condition(e, fhirv1.ConditionCredentialsReady)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonGenerated))
		Expect(condition(e, fhirv1.ConditionIngressReady)()).To(haveCondition(metav1.ConditionTrue, fhirv1.ReasonApplied))
		Expect(condition(e, fhirv1.ConditionSuspended)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonNotSuspended))
		Expect(condition(e, fhirv1.ConditionAvailable)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonPodNotReady))
		Expect(condition(e, fhirv1.ConditionReady)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonProgressing))

		markServerReady(e, 1)
		Eventually(condition(e, fhirv1.ConditionAvailable)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonPodReady))
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonReady))
		Expect(condition(e, fhirv1.ConditionReady)().ObservedGeneration).To(Equal(e.Generation))

		markServerReady(e, 0)
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonProgressing))

		Eventually(func() []string { return eventReasons(ns, "seq") }).
			Should(ContainElements("Normal/CredentialsGenerated", "Normal/"+fhirv1.ReasonReady, "Normal/"+fhirv1.ReasonProgressing))
	})

	It("follow spec changes: observedGeneration moves only once a generation is applied", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "gen", nil))
		first := e.Generation
		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Image = "example.test/next:3" })
		Expect(e.Generation).To(BeNumerically(">", first))
		Eventually(func() int64 {
			fetch(e, ns, "gen")
			return e.Status.ObservedGeneration
		}).Should(Equal(e.Generation))
		sts := &appsv1.StatefulSet{}
		fetch(sts, ns, "gen")
		Expect(sts.Spec.Template.Spec.Containers[0].Image).To(Equal("example.test/next:3"))
	})

	It("report suspension, which scales the server to zero and back", func() {
		ns := newNamespace()
		e := provision(newEndpoint(ns, "nap", nil))
		markServerReady(e, 1)
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonReady))

		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Suspend = true })
		sts := &appsv1.StatefulSet{}
		Eventually(func() *int32 {
			fetch(sts, ns, "nap")
			return sts.Spec.Replicas
		}).Should(Equal(ptr.To[int32](0)))
		Eventually(condition(e, fhirv1.ConditionSuspended)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonSuspended))
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSuspended))
		Expect(condition(e, fhirv1.ConditionAvailable)()).To(haveCondition(metav1.ConditionFalse, fhirv1.ReasonSuspended))
		fetch(&appsv1.StatefulSet{}, ns, "nap")

		update(e, func(e *fhirv1.FhirEndpoint) { e.Spec.Suspend = false })
		Eventually(func() *int32 {
			fetch(sts, ns, "nap")
			return sts.Spec.Replicas
		}).Should(Equal(ptr.To[int32](1)))
		Eventually(condition(e, fhirv1.ConditionSuspended)).Should(haveCondition(metav1.ConditionFalse, fhirv1.ReasonNotSuspended))
		Eventually(condition(e, fhirv1.ConditionReady)).Should(haveCondition(metav1.ConditionTrue, fhirv1.ReasonReady))
	})
})
