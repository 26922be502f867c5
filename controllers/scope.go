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
	"net"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	// the Secret and carries the hash of its identity (credentialsHash), so
	// it rolls for a new client id but not for a rotated secret.
	secretName string
	secretHash string
	// ingressAnnotations are the spec's annotations the policy allows, and
	// imageRefused says the policy refused spec.image: set by the policy stage.
	ingressAnnotations map[string]string
	imageRefused       bool
	// suspended holds the server at zero replicas.
	suspended bool
	// rollout gates an operator upgrade (nil: no gate); requeueAfter asks for
	// another reconcile when no watch would bring one (see reportUpgrade).
	rollout      *Rollout
	requeueAfter time.Duration
	blockState
}

// stage reconciles one kind of child of the object a scope S is about. It
// returns errBlocked (wrapped or not) when the object must wait for the
// user, any other error to retry.
type stage[S reporter] struct {
	name string
	// condition reports this stage's child (True once applied); empty for
	// the stages that own no child.
	condition string
	// needs are the earlier stages whose output this one cannot do without;
	// it is skipped while any of them failed. Every other failure leaves it
	// to run (see runStages).
	needs []string
	run   func(ctx context.Context, s S) error
}

// stages are run in this order, every one on every reconcile: the policy
// decides what of the spec may be applied before anything is, and the Secret
// and volume come before the pod that mounts them (the pod waits for a
// missing claim by itself, so the StatefulSet does not need the pvc stage).
//
// Every child needs the subdomain stage: an endpoint whose host another
// holds gets no children at all, and the StatefulSet (--base-url) and the
// Ingress are built from the host. The StatefulSet also uses the Secret's
// hash; when the secret stage failed it keeps the hash it runs with (see
// credentialsHash), so a suspend still gets through.
func stages() []stage[*scope] {
	host := []string{"subdomain"}
	return []stage[*scope]{
		{name: "policy", run: checkSpecPolicy},
		{name: "subdomain", run: reconcileSubdomain},
		{name: "secret", condition: fhirv1.ConditionCredentialsReady, needs: host, run: reconcileSecret},
		{name: "pvc", condition: fhirv1.ConditionStorageReady, needs: host, run: reconcilePVC},
		{name: "statefulset", condition: fhirv1.ConditionAvailable, needs: host, run: reconcileStatefulSet},
		{name: "service", condition: fhirv1.ConditionServiceReady, needs: host, run: reconcileService},
		{name: "ingress", condition: fhirv1.ConditionIngressReady, needs: host, run: reconcileIngress},
		{name: "networkpolicy", condition: fhirv1.ConditionNetworkPolicyReady, needs: host, run: reconcileNetworkPolicy},
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

func (s *scope) object() client.Object               { return s.endpoint }
func (s *scope) conditions() *[]metav1.Condition     { return &s.endpoint.Status.Conditions }
func (s *scope) children() []string                  { return childConditions() }
func (s *scope) suspendedNow() bool                  { return s.suspended }
func (s *scope) readyMessage() string                { return "serving " + s.endpoint.Status.URL }
func (s *scope) eventRecorder() events.EventRecorder { return s.recorder }

// baseURL is <scheme>://<host>, the server's --base-url.
func (s *scope) baseURL() string { return s.cfg.baseURL(s.host) }

// baseURL is the public origin of host: <scheme>://<host>[:<URLPort>]. Every
// workload's public URL (endpoints' and the aggregator's) is built here.
func (c Config) baseURL(host string) string {
	if c.URLPort != 0 {
		return c.URLScheme + "://" + net.JoinHostPort(host, strconv.Itoa(c.URLPort))
	}
	return c.URLScheme + "://" + host
}
