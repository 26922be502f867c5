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
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// aggregatorScope is everything one reconcile of one FhirAggregator works
// on: the FhirEndpoint reconciler's scope for the other kind. Stages read
// the aggregator and the operator's Config, write children through c, and
// leave what later stages need here and what status should say on
// aggregator.Status.
type aggregatorScope struct {
	// aggregator is the working copy; stages set conditions on its Status.
	aggregator *fhirv1.FhirAggregator
	cfg        Config
	// c reads the aggregator's children from their own label-restricted
	// cache (see aggregatorChildCache) and writes to the API server.
	c client.Client
	// fleet reads FhirEndpoints and FhirAggregators from the manager's cache.
	fleet    client.Reader
	recorder events.EventRecorder

	// host is <subdomain>.<base-domain>.
	host string
	// ingressAnnotations are the spec's annotations the policy allows, and
	// imageRefused says the policy refused spec.image: set by the policy stage.
	ingressAnnotations map[string]string
	imageRefused       bool
	blockState
}

// aggregatorStages are run in this order, every one on every reconcile (see
// runStages): the policy decides what of the spec may be applied before
// anything is; as for a FhirEndpoint, an aggregator whose host an older
// FhirEndpoint or FhirAggregator holds gets no children; the Secrets, RBAC
// and volume come before the pod that uses them (a pod waits for a missing
// Secret or claim by itself); sources only reads the fleet into status.
func aggregatorStages() []stage[*aggregatorScope] {
	host := []string{"subdomain"}
	return []stage[*aggregatorScope]{
		{name: "policy", run: checkAggregatorPolicy},
		{name: "subdomain", run: reconcileAggregatorSubdomain},
		{name: "secrets", condition: fhirv1.ConditionCredentialsReady, needs: host, run: reconcileAggregatorSecrets},
		{name: "rbac", condition: fhirv1.ConditionRBACReady, needs: host, run: reconcileAggregatorRBAC},
		{name: "pvc", condition: fhirv1.ConditionStorageReady, needs: host, run: reconcileAggregatorPVC},
		{name: "statefulset", condition: fhirv1.ConditionAvailable, needs: host, run: reconcileAggregatorStatefulSet},
		{name: "service", condition: fhirv1.ConditionServiceReady, needs: host, run: reconcileAggregatorService},
		{name: "ingress", condition: fhirv1.ConditionIngressReady, needs: host, run: reconcileAggregatorIngress},
		{name: "sources", run: reconcileAggregatorSources},
	}
}

// aggregatorChildConditions report one child each, in stage order.
func aggregatorChildConditions() []string {
	return []string{
		fhirv1.ConditionCredentialsReady,
		fhirv1.ConditionRBACReady,
		fhirv1.ConditionStorageReady,
		fhirv1.ConditionAvailable,
		fhirv1.ConditionServiceReady,
		fhirv1.ConditionIngressReady,
	}
}

func (s *aggregatorScope) object() client.Object           { return s.aggregator }
func (s *aggregatorScope) conditions() *[]metav1.Condition { return &s.aggregator.Status.Conditions }
func (s *aggregatorScope) children() []string              { return aggregatorChildConditions() }
func (s *aggregatorScope) suspendedNow() bool              { return s.aggregator.Spec.Suspend }
func (s *aggregatorScope) readyMessage() string {
	return "serving " + s.aggregator.Status.URL
}
func (s *aggregatorScope) eventRecorder() events.EventRecorder { return s.recorder }

// baseURL is <scheme>://<host>, the aggregator's --base-url.
func (s *aggregatorScope) baseURL() string { return s.cfg.baseURL(s.host) }

// ownerRef is the controller reference every namespaced child carries, so
// the garbage collector deletes them with their FhirAggregator.
func (s *aggregatorScope) ownerRef() *metav1ac.OwnerReferenceApplyConfiguration {
	a := s.aggregator
	return metav1ac.OwnerReference().
		WithAPIVersion(fhirv1.GroupVersion.String()).
		WithKind("FhirAggregator").
		WithName(a.Name).
		WithUID(a.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

// aggregatorChildLabels are the labels on every child of a: the ones its
// cache selects on, and the aggregator's namespace for the children outside it.
func aggregatorChildLabels(a *fhirv1.FhirAggregator) map[string]string {
	return map[string]string{
		LabelManagedBy:           ManagedByValue,
		LabelAggregator:          a.Name,
		LabelAggregatorNamespace: a.Namespace,
	}
}

// aggregatorSelectorLabels pick the aggregator's pod; they never change for
// the life of the StatefulSet, whose selector is immutable.
func aggregatorSelectorLabels(a *fhirv1.FhirAggregator) map[string]string {
	return map[string]string{
		LabelAggregator: a.Name,
		labelComponent:  aggregatorComponent,
	}
}

// aggregatorPodLabels are the pod's labels: the child labels, the selector,
// and the labels the FhirEndpoints' NetworkPolicies admit.
func aggregatorPodLabels(a *fhirv1.FhirAggregator) map[string]string {
	l := aggregatorChildLabels(a)
	maps.Copy(l, aggregatorSelectorLabels(a))
	maps.Copy(l, aggregatorPeerLabels())
	return l
}
