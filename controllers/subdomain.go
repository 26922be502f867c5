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

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// subdomainIndex indexes FhirEndpoints and FhirAggregators by the subdomain
// they claim (spec or default): one host namespace for both kinds.
const subdomainIndex = "fhir.fhirfleet.io/subdomain"

func indexSubdomain(o client.Object) []string {
	if sub := claimedSubdomain(o); sub != "" {
		return []string{sub}
	}
	return nil
}

// claimedSubdomain is the subdomain a FhirEndpoint or FhirAggregator claims,
// or "" for any other object.
func claimedSubdomain(o client.Object) string {
	switch v := o.(type) {
	case *fhirv1.FhirEndpoint:
		return v.EffectiveSubdomain()
	case *fhirv1.FhirAggregator:
		return v.EffectiveSubdomain()
	}
	return ""
}

// claimsBefore orders two claims on one host: the older object wins; on a
// tie (timestamps have one-second resolution) namespace/name decides, then
// the UID (a FhirEndpoint and a FhirAggregator may share both), so every
// reconcile of either agrees on the winner.
func claimsBefore(a, b metav1.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	if a.GetNamespace() != b.GetNamespace() {
		return a.GetNamespace() < b.GetNamespace()
	}
	if a.GetName() != b.GetName() {
		return a.GetName() < b.GetName()
	}
	return a.GetUID() < b.GetUID()
}

// hostHolder is the FhirEndpoint or FhirAggregator that claimed sub before
// self, or nil when self holds it; kind names the holder's kind.
func hostHolder(ctx context.Context, c client.Reader, sub string, self client.Object) (holder client.Object, kind string, err error) {
	var endpoints fhirv1.FhirEndpointList
	if err := c.List(ctx, &endpoints, client.MatchingFields{subdomainIndex: sub}); err != nil {
		return nil, "", fmt.Errorf("list endpoints claiming %s: %w", sub, err)
	}
	var aggregators fhirv1.FhirAggregatorList
	if err := c.List(ctx, &aggregators, client.MatchingFields{subdomainIndex: sub}); err != nil {
		return nil, "", fmt.Errorf("list aggregators claiming %s: %w", sub, err)
	}
	consider := func(other client.Object, otherKind string) {
		if other.GetUID() != self.GetUID() && claimsBefore(other, self) && (holder == nil || claimsBefore(other, holder)) {
			holder, kind = other, otherKind
		}
	}
	for i := range endpoints.Items {
		consider(&endpoints.Items[i], "FhirEndpoint")
	}
	for i := range aggregators.Items {
		consider(&aggregators.Items[i], "FhirAggregator")
	}
	return holder, kind, nil
}

// reconcileSubdomain claims the host. An endpoint whose host an older
// endpoint or aggregator already holds is not provisioned: it reports
// SubdomainConflict and, if it had been provisioned before (its subdomain
// changed, or the older one took this subdomain), its Ingress is removed so
// only one backend serves the host. Its data volume and server stay, for
// whoever resolves the conflict.
func reconcileSubdomain(ctx context.Context, s *scope) error {
	e := s.endpoint
	s.host = e.EffectiveSubdomain() + "." + s.cfg.BaseDomain
	// Every child's condition, IngressReady included, says SubdomainConflict
	// with the message: runStages skips the stages that need the host.
	return claimHost(ctx, s, s.c, s.c, e, s.host, s.baseURL(), &e.Status.URL, &e.Status.TokenURL)
}

// claimHost claims host (<sub>.<base-domain>, sub as claimedSubdomain says)
// for owner: when no older claim holds it, it sets url and tokenURL under
// baseURL; otherwise it clears them and yields (yieldHost).
func claimHost(ctx context.Context, s reporter, c client.Client, claims client.Reader, owner client.Object, host, baseURL string, url, tokenURL *string) error {
	holder, kind, err := hostHolder(ctx, claims, claimedSubdomain(owner), owner)
	if err != nil {
		return err
	}
	if holder == nil {
		*url, *tokenURL = baseURL+"/fhir", baseURL+"/oauth2/token"
		return nil
	}
	*url, *tokenURL = "", ""
	return yieldHost(ctx, s, c, owner, host, holder, kind)
}

// yieldHost removes owner's Ingress (named as owner) if it has one, and
// blocks with SubdomainConflict naming the holder.
func yieldHost(ctx context.Context, s reporter, c client.Client, owner client.Object, host string, holder client.Object, kind string) error {
	msg := fmt.Sprintf("host %s is already claimed by %s %s/%s, created earlier; choose another spec.subdomain", host, kind, holder.GetNamespace(), holder.GetName())
	ing := &networkingv1.Ingress{}
	err := c.Get(ctx, types.NamespacedName{Namespace: owner.GetNamespace(), Name: owner.GetName()}, ing)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get the Ingress of a conflicting %T: %w", owner, err)
	case metav1.IsControlledBy(ing, owner):
		if err := c.Delete(ctx, ing); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("remove the Ingress of a conflicting %T: %w", owner, err)
		}
	}
	return s.block(fhirv1.ReasonSubdomainConflict, msg)
}

// endpointsSharingSubdomain maps a FhirEndpoint or FhirAggregator event to
// the other endpoints claiming the same subdomain: when the holder goes away
// or moves, the next in line must be reconciled to take the host.
func (r *FhirEndpointReconciler) endpointsSharingSubdomain(ctx context.Context, o client.Object) []reconcile.Request {
	return sharingSubdomain(ctx, r.Client, o, &fhirv1.FhirEndpointList{})
}

// sharingSubdomain lists (into list, FhirEndpoints or FhirAggregators) the
// claims on o's subdomain other than o, as requests.
func sharingSubdomain(ctx context.Context, c client.Reader, o client.Object, list client.ObjectList) []reconcile.Request {
	sub := claimedSubdomain(o)
	if sub == "" {
		return nil
	}
	if err := c.List(ctx, list, client.MatchingFields{subdomainIndex: sub}); err != nil {
		return nil
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, item := range items {
		if other, ok := item.(client.Object); ok && other.GetUID() != o.GetUID() {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: other.GetNamespace(), Name: other.GetName()}})
		}
	}
	return reqs
}
