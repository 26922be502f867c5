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
	"errors"

	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// errBlocked is returned by a stage that cannot go on until the user changes
// something (a subdomain conflict, an incomplete Secret). The stage has
// already said why in a condition; Reconcile stops without an error, so there
// is no retry storm, and the watch on the cause brings the endpoint back.
var errBlocked = errors.New("blocked until the cause is fixed")

// scope is everything one reconcile of one FhirEndpoint works on. Stages read
// the endpoint and the operator's Config, write children through c, and leave
// what later stages need (the host, the Secret's hash) and what status should
// say (conditions on endpoint.Status) here.
type scope struct {
	// endpoint is the working copy; stages set conditions on its Status.
	endpoint *fhirv1.FhirEndpoint
	cfg      Config
	// c reads from the label-restricted cache and writes to the API server.
	c client.Client
	// reader reads uncached, for a Secret the user made without our labels.
	reader   client.Reader
	recorder events.EventRecorder

	// host is <subdomain>.<base-domain>, set by the subdomain stage.
	host string
	// secretName and secretHash are set by the Secret stage: the pod mounts
	// the Secret and carries the hash, so it rolls when the Secret changes.
	secretName string
	secretHash string
	// ingressAnnotations are the spec's annotations the policy allows, and
	// imageRefused says the policy refused spec.image: set by the policy stage.
	ingressAnnotations map[string]string
	imageRefused       bool
	// suspended holds the server at zero replicas.
	suspended bool
	// blockedReason/blockedMessage explain an errBlocked for the Ready condition.
	blockedReason  string
	blockedMessage string
}

// stage reconciles one kind of child. It returns errBlocked (wrapped or not)
// when the endpoint must wait for the user, any other error to retry.
type stage struct {
	name string
	run  func(ctx context.Context, s *scope) error
}

// stages are run in this order: the policy decides what of the spec may be
// applied before anything is, the host must be free before anything is
// provisioned, and the Secret and volume must exist before the pod that mounts them.
func stages() []stage {
	return []stage{
		{"policy", checkSpecPolicy},
		{"subdomain", reconcileSubdomain},
		{"secret", reconcileSecret},
		{"pvc", reconcilePVC},
		{"statefulset", reconcileStatefulSet},
		{"service", reconcileService},
		{"ingress", reconcileIngress},
		{"networkpolicy", reconcileNetworkPolicy},
	}
}

// ownerRef is the controller reference every child carries, so Kubernetes'
// garbage collector deletes children with their FhirEndpoint and the manager
// maps child events back to it.
func (s *scope) ownerRef() *metav1ac.OwnerReferenceApplyConfiguration {
	e := s.endpoint
	return metav1ac.OwnerReference().
		WithAPIVersion(fhirv1.GroupVersion.String()).
		WithKind("FhirEndpoint").
		WithName(e.Name).
		WithUID(e.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

// block records why the endpoint cannot proceed and returns errBlocked.
func (s *scope) block(reason, message string) error {
	s.blockedReason, s.blockedMessage = reason, message
	return errBlocked
}

// baseURL is <scheme>://<host>, the server's --base-url.
func (s *scope) baseURL() string { return s.cfg.URLScheme + "://" + s.host }
