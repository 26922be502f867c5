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
	fhirv1 "github.com/fhirfleet/fhirfleet/api/v1alpha1"
)

const (
	// FieldManager is the one server-side apply field manager for every child.
	FieldManager = "fhirfleet-operator"

	// Finalizer holds a FhirEndpoint until its deletion policy has been carried
	// out on the data volume.
	Finalizer = "fhir.fhirfleet.io/deletion-policy"

	// LabelManagedBy and LabelEndpoint are on every child; the manager's cache
	// selects on LabelEndpoint, so a user's own Secret carrying it is watched too.
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	ManagedByValue  = "fhirfleet"
	LabelEndpoint   = "fhir.fhirfleet.io/endpoint"
	labelName       = "app.kubernetes.io/name"
	labelComponent  = "app.kubernetes.io/component"
	serverName      = "fhirserver"
	serverComponent = "fhir-server"

	// AggregatorName is the app.kubernetes.io/name label of the aggregator pods
	// the NetworkPolicy admits (in the aggregator's namespace); see
	// aggregatorPeerLabels.
	AggregatorName = "fhirfleet-aggregator"
	// LabelAggregator is on every child of a FhirAggregator, naming it; the
	// aggregator's own cache (aggregatorChildCache) selects on it.
	// LabelAggregatorNamespace is on the bindings the aggregator gets in other
	// namespaces (and cluster-wide), where no owner reference can point at it.
	LabelAggregator          = "fhir.fhirfleet.io/aggregator"
	LabelAggregatorNamespace = "fhir.fhirfleet.io/aggregator-namespace"
	// LabelCustomer is on a customer's client Secret of a FhirAggregator.
	LabelCustomer       = "fhir.fhirfleet.io/customer"
	aggregatorComponent = "aggregator"

	// AnnotationCredentialsHash on the pod template is a hash of the
	// credentials Secret's data but the keys the server re-reads at runtime
	// (client secrets, signing key, JWKS; see runtimeCredentialKeys): a new
	// client id changes the template, which rolls the pod, while a rotated
	// secret is picked up by the running server.
	AnnotationCredentialsHash = "fhir.fhirfleet.io/credentials-hash"

	// Paths and port inside the server pod.
	dataMountPath        = "/var/lib/fhirserver"
	credentialsMountPath = "/etc/fhirserver/credentials"
	tmpMountPath         = "/tmp"
	httpPortName         = "http"
	httpPort             = fhirv1.ServerHTTPPort
	// The server's /metrics listener (fhirserver --metrics-listen): on the
	// Service for Prometheus, never behind the Ingress.
	metricsPortName = "metrics"
	metricsPort     = 9090
)

// childLabels are the labels on every child of e.
func childLabels(e *fhirv1.FhirEndpoint) map[string]string {
	return map[string]string{
		LabelManagedBy: ManagedByValue,
		LabelEndpoint:  e.Name,
	}
}

// selectorLabels pick the server pod of e. They never change for the life of
// the StatefulSet, whose selector is immutable.
func selectorLabels(e *fhirv1.FhirEndpoint) map[string]string {
	return map[string]string{
		LabelEndpoint:  e.Name,
		labelComponent: serverComponent,
	}
}

// podLabels are the server pod's labels: the child labels, the selector and a name.
func podLabels(e *fhirv1.FhirEndpoint) map[string]string {
	l := childLabels(e)
	for k, v := range selectorLabels(e) {
		l[k] = v
	}
	l[labelName] = serverName
	return l
}

// aggregatorPeerLabels are the labels every FhirAggregator's pod carries and
// the FhirEndpoints' NetworkPolicies admit (in --aggregator-namespace): one
// definition for both sides, so they cannot drift apart.
func aggregatorPeerLabels() map[string]string {
	return map[string]string{
		labelName:      AggregatorName,
		labelComponent: aggregatorComponent,
	}
}
