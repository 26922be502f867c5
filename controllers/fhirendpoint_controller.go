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
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// Config is what the manager's flags tell every reconcile.
type Config struct {
	// BaseDomain: each endpoint's host is <subdomain>.<BaseDomain>.
	BaseDomain string
	// FhirServerImage runs unless spec.image overrides it.
	FhirServerImage string
	// AggregatorImage runs a FhirAggregator unless its spec.image overrides it.
	AggregatorImage string
	// IngressClass is used unless spec.ingress.className overrides it; empty
	// leaves the cluster's default IngressClass in charge.
	IngressClass string
	// DefaultTLSSecret names a Secret (in each endpoint's namespace, e.g. a
	// wildcard certificate for *.<BaseDomain>) for Ingresses whose spec has no
	// ingress.tls; empty leaves such Ingresses without TLS.
	DefaultTLSSecret string
	// URLScheme is the scheme of the public URLs (https unless TLS ends elsewhere).
	URLScheme string
	// URLPort is the port of the public URLs when it is not the scheme's
	// own (0): a local gateway on :8080, as `make dev` runs. The Ingress
	// host never carries it.
	URLPort int
	// IngressNamespace is where the ingress controller runs; the NetworkPolicy admits it.
	IngressNamespace string
	// AggregatorNamespace is where the aggregator runs (the manager's own
	// namespace); the NetworkPolicy admits its pods when aggregation is enabled.
	AggregatorNamespace string
	// MetricsNamespace is where the Prometheus that scrapes the servers runs;
	// the NetworkPolicy admits it to the metrics port. Empty admits no one.
	MetricsNamespace string
	// AllowedIngressAnnotations are the spec.ingress.annotations keys copied
	// onto the Ingress: exact keys, or prefixes ending in "*". Keys that are
	// never allowed (see neverAllowed) are refused even if listed.
	AllowedIngressAnnotations []string
	// AllowedImagePrefixes are what spec.image must start with (besides being
	// FhirServerImage itself) to run. See imageAllowed.
	AllowedImagePrefixes []string
	// AllowedAggregatorImagePrefixes are the same for a FhirAggregator's
	// spec.image (besides AggregatorImage itself): --allowed-image-prefixes
	// when given, else the repository of AggregatorImage.
	AllowedAggregatorImagePrefixes []string
	// ServerTrustedProxies are CIDRs passed to every server as
	// --trusted-proxies: the ingress controller's pods, whose X-Forwarded-For
	// the token endpoint's per-address throttle believes. Empty passes none,
	// and every caller behind the Ingress then counts as one address.
	ServerTrustedProxies []string

	// MaxConcurrentUpgrades bounds the servers upgrading to a new
	// FhirServerImage at once, fleet-wide: a number or a percentage of the
	// fleet (see Rollout). UpgradeReadyTimeout is how long one may take to be
	// ready before the rollout halts (0: never). UpgradeRecheckInterval is how
	// often a waiting endpoint asks again (0: defaultUpgradeRecheck).
	MaxConcurrentUpgrades  intstr.IntOrString
	UpgradeReadyTimeout    time.Duration
	UpgradeRecheckInterval time.Duration
}

// FhirEndpointReconciler turns each FhirEndpoint into its Secret, volume,
// server, Service, Ingress and NetworkPolicy.
type FhirEndpointReconciler struct {
	// Client reads from the manager's label-restricted cache and writes.
	Client client.Client
	// APIReader reads uncached: a user's own Secret may lack our labels.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Config    Config
	// Rollout gates operator upgrades fleet-wide; nil switches every
	// server to a new FhirServerImage at once.
	Rollout *Rollout
}

// +kubebuilder:rbac:groups=fhir.fhirfleet.io,resources=fhirendpoints,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=fhir.fhirfleet.io,resources=fhirendpoints/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=fhir.fhirfleet.io,resources=fhirendpoints/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=storage.k8s.io,resources=storageclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one FhirEndpoint's children to what its spec asks for and
// reports the outcome in status, written once on the way out (writeStatus:
// only the operator's part of it).
func (r *FhirEndpointReconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	log := logf.FromContext(ctx)

	endpoint := &fhirv1.FhirEndpoint{}
	if err := r.Client.Get(ctx, req.NamespacedName, endpoint); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	if !endpoint.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, endpoint)
	}
	if requeue, err := ensureFinalizer(ctx, r.Client, endpoint, Finalizer); err != nil || requeue {
		// On a conflict our cached copy was stale; the newer one is on its way.
		return ctrl.Result{RequeueAfter: requeueAfterConflict(requeue)}, err
	}

	s := &scope{
		endpoint:  endpoint,
		cfg:       r.Config,
		c:         r.Client,
		reader:    r.APIReader,
		recorder:  r.Recorder,
		suspended: endpoint.Spec.Suspend,
		rollout:   r.Rollout,
	}
	original := endpoint.DeepCopy()
	applied := false
	defer func() {
		setSummaryConditions(s, applied, retErr)
		if applied {
			endpoint.Status.ObservedGeneration = endpoint.Generation
		}
		recordTransitions(s, original.Status.Conditions)
		if err := writeStatus(ctx, r.Client, original, endpoint); err != nil {
			retErr = errors.Join(retErr, err)
		}
	}()

	setSuspendedCondition(s)
	applied, retErr = runStages(ctx, s, stages())
	if reason, msg := s.blocked(); reason != "" {
		log.V(1).Info("endpoint blocked", "reason", reason, "message", msg)
	}
	if retErr != nil {
		return ctrl.Result{}, retErr
	}
	return ctrl.Result{RequeueAfter: s.requeueAfter}, nil
}

// SetupWithManager registers the controller and its watches. The host index
// lets a conflict be found (and re-examined when the holder goes away) without
// listing every FhirEndpoint in the cluster.
func (r *FhirEndpointReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &fhirv1.FhirEndpoint{}, subdomainIndex, indexSubdomain); err != nil {
		return fmt.Errorf("index FhirEndpoints by subdomain: %w", err)
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &fhirv1.FhirAggregator{}, subdomainIndex, indexSubdomain); err != nil {
		return fmt.Errorf("index FhirAggregators by subdomain: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&fhirv1.FhirEndpoint{}).
		Owns(&corev1.PersistentVolumeClaim{}).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&networkingv1.Ingress{}).
		Owns(&networkingv1.NetworkPolicy{}).
		// Secrets are mapped by label, not owner: a user's own Secret carrying
		// fhir.fhirfleet.io/endpoint rolls the server when it changes, too.
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(endpointOfSecret)).
		Watches(&fhirv1.FhirEndpoint{}, handler.EnqueueRequestsFromMapFunc(r.endpointsSharingSubdomain)).
		// An aggregator on an endpoint's host conflicts with it, too.
		Watches(&fhirv1.FhirAggregator{}, handler.EnqueueRequestsFromMapFunc(r.endpointsSharingSubdomain)).
		// A class that starts allowing expansion lets a refused resize through.
		Watches(&storagev1.StorageClass{}, handler.EnqueueRequestsFromMapFunc(r.endpointsOfStorageClass)).
		Named("fhirendpoint").
		Complete(r)
}
