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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

// subdomainIndex indexes FhirEndpoints by the subdomain they claim (spec or default).
const subdomainIndex = "fhir.fhirfleet.io/subdomain"

func indexSubdomain(o client.Object) []string {
	e, ok := o.(*fhirv1.FhirEndpoint)
	if !ok {
		return nil
	}
	return []string{e.EffectiveSubdomain()}
}

// claimsBefore orders two claims on one host: the older FhirEndpoint wins;
// on a tie (timestamps have one-second resolution) namespace/name decides, so
// every reconcile of either endpoint agrees on the winner.
func claimsBefore(a, b *fhirv1.FhirEndpoint) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// reconcileSubdomain claims the host. An endpoint whose host an older
// endpoint already holds is not provisioned: it reports SubdomainConflict and,
// if it had been provisioned before (its subdomain changed, or the older one
// took this subdomain), its Ingress is removed so only one backend serves the
// host. Its data volume and server stay, for whoever resolves the conflict.
func reconcileSubdomain(ctx context.Context, s *scope) error {
	e := s.endpoint
	sub := e.EffectiveSubdomain()
	s.host = sub + "." + s.cfg.BaseDomain

	var claims fhirv1.FhirEndpointList
	if err := s.c.List(ctx, &claims, client.MatchingFields{subdomainIndex: sub}); err != nil {
		return fmt.Errorf("list endpoints claiming %s: %w", sub, err)
	}
	var holder *fhirv1.FhirEndpoint
	for i := range claims.Items {
		other := &claims.Items[i]
		if other.UID == e.UID {
			continue
		}
		if claimsBefore(other, e) && (holder == nil || claimsBefore(other, holder)) {
			holder = other
		}
	}
	if holder == nil {
		e.Status.URL = s.baseURL() + "/fhir"
		e.Status.TokenURL = s.baseURL() + "/oauth2/token"
		return nil
	}

	msg := fmt.Sprintf("host %s is already claimed by FhirEndpoint %s/%s, created earlier; choose another spec.subdomain", s.host, holder.Namespace, holder.Name)
	e.Status.URL, e.Status.TokenURL = "", ""
	ing := &networkingv1.Ingress{}
	err := s.c.Get(ctx, types.NamespacedName{Namespace: e.Namespace, Name: e.Name}, ing)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("get the Ingress of a conflicting endpoint: %w", err)
	case metav1.IsControlledBy(ing, e):
		if err := s.c.Delete(ctx, ing); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("remove the Ingress of a conflicting endpoint: %w", err)
		}
	}
	// Every child's condition, IngressReady included, says SubdomainConflict
	// with msg: runStages skips the stages that need the host.
	return s.block(fhirv1.ReasonSubdomainConflict, msg)
}

// endpointsSharingSubdomain maps a FhirEndpoint event to the other endpoints
// claiming the same subdomain: when the holder goes away or moves, the next
// in line must be reconciled to take the host.
func (r *FhirEndpointReconciler) endpointsSharingSubdomain(ctx context.Context, o client.Object) []reconcile.Request {
	e, ok := o.(*fhirv1.FhirEndpoint)
	if !ok {
		return nil
	}
	var claims fhirv1.FhirEndpointList
	if err := r.Client.List(ctx, &claims, client.MatchingFields{subdomainIndex: e.EffectiveSubdomain()}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, other := range claims.Items {
		if other.UID != e.UID {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: other.Namespace, Name: other.Name}})
		}
	}
	return reqs
}
