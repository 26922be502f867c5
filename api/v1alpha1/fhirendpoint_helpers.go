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

package v1alpha1

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Condition types reported in FhirEndpointStatus.Conditions. Ready summarises
// the others; each of the rest explains one reason Ready may be False.
const (
	// ConditionReady is True when the server is provisioned, running and reachable.
	ConditionReady = "Ready"
	// ConditionCredentialsReady is True when the credentials Secret exists and holds every key.
	ConditionCredentialsReady = "CredentialsReady"
	// ConditionAvailable is True when the server pod is ready.
	ConditionAvailable = "Available"
	// ConditionIngressReady is True when the Ingress for the host is applied.
	ConditionIngressReady = "IngressReady"
	// ConditionStorageReady is True when the data claim is applied at the
	// requested size; ResizeRefused says why it did not grow.
	ConditionStorageReady = "StorageReady"
	// ConditionServiceReady is True when the Service is applied.
	ConditionServiceReady = "ServiceReady"
	// ConditionNetworkPolicyReady is True when the NetworkPolicy is applied.
	ConditionNetworkPolicyReady = "NetworkPolicyReady"
	// ConditionAggregated is the aggregator's, never the operator's: True
	// while it reads this endpoint. The operator leaves it alone.
	ConditionAggregated = "Aggregated"
	// ConditionSuspended is True while spec.suspend holds the server at zero replicas.
	ConditionSuspended = "Suspended"
	// ConditionSpecAccepted is False when the manager's policy refused part of
	// the spec (spec.image, spec.ingress.annotations); the message names what.
	ConditionSpecAccepted = "SpecAccepted"
	// ConditionUpToDate is True when the server runs the image it should
	// (spec.image, or else --fhirserver-image) and is ready on it; during an
	// operator upgrade the reason says whether it waits for its turn, is
	// rolling, or stalled the fleet's rollout.
	ConditionUpToDate = "UpToDate"
)

// Condition reasons. They are CamelCase words a human and a script can both read.
const (
	ReasonReady             = "Ready"
	ReasonSubdomainConflict = "SubdomainConflict"
	ReasonSuspended         = "Suspended"
	ReasonNotSuspended      = "NotSuspended"
	ReasonProgressing       = "Progressing"
	ReasonReconcileError    = "ReconcileError"
	ReasonGenerated         = "Generated"
	ReasonUserProvided      = "UserProvided"
	ReasonInvalidSecret     = "InvalidSecret"
	ReasonPodReady          = "PodReady"
	ReasonPodNotReady       = "PodNotReady"
	ReasonApplied           = "Applied"
	ReasonNotProvisioned    = "NotProvisioned"
	// ReasonResizeRefused: the API server refused to grow the data claim (its
	// class does not allow expansion, or the claim is not bound); the claim
	// keeps its size and the message carries the API server's words.
	ReasonResizeRefused = "ResizeRefused"
	// ReasonApplyFailed: the API server refused a child for a reason it did not
	// name; otherwise a failed child's condition carries the API server's
	// own reason (Forbidden, Invalid, Conflict...).
	ReasonApplyFailed = "ApplyFailed"

	// SpecAccepted reasons.
	ReasonAccepted                   = "Accepted"
	ReasonImageRefused               = "ImageRefused"
	ReasonAnnotationsRefused         = "AnnotationsRefused"
	ReasonImageAndAnnotationsRefused = "ImageAndAnnotationsRefused"

	// UpToDate reasons (see docs/operator.md, "Upgrades").
	ReasonImageCurrent  = "ImageCurrent"
	ReasonUpgradeQueued = "UpgradeQueued"
	ReasonUpgrading     = "Upgrading"
	// ReasonUpgradeStalled: the server did not become ready on the new image
	// within --upgrade-ready-timeout; no further upgrade starts in the fleet
	// until a person acts.
	ReasonUpgradeStalled = "UpgradeStalled"
)

// CredentialKeys are the keys of the credentials Secret: the auth contract
// between the operator and fhirserver's --credentials-dir.
func CredentialKeys() []string {
	return []string{"client_id", "client_secret", "aggregator_client_id", "aggregator_client_secret", "token_signing_key"}
}

// EffectiveSubdomain is spec.subdomain, or <customer>-<feed> when it is unset.
func (e *FhirEndpoint) EffectiveSubdomain() string {
	if e.Spec.Subdomain != "" {
		return e.Spec.Subdomain
	}
	return e.Spec.Customer + "-" + e.Spec.Feed
}

// AggregationEnabled reports spec.aggregation.enabled, which defaults to true.
func (e *FhirEndpoint) AggregationEnabled() bool {
	return e.Spec.Aggregation.Enabled == nil || *e.Spec.Aggregation.Enabled
}

// EffectiveDeletionPolicy is spec.deletionPolicy, Retain when unset (as the CRD defaults it).
func (e *FhirEndpoint) EffectiveDeletionPolicy() DeletionPolicy {
	if e.Spec.DeletionPolicy == "" {
		return DeletionPolicyRetain
	}
	return e.Spec.DeletionPolicy
}

// DefaultStorageSize is the data volume's size when spec.storage.size is unset.
const DefaultStorageSize = "10Gi"

// StorageSize is spec.storage.size, or DefaultStorageSize (as the CRD defaults it).
func (e *FhirEndpoint) StorageSize() resource.Quantity { return e.Spec.Storage.EffectiveSize() }

// EffectiveSize is size, or DefaultStorageSize (as the CRD defaults it).
func (s StorageSpec) EffectiveSize() resource.Quantity {
	if s.Size == nil {
		return resource.MustParse(DefaultStorageSize)
	}
	return *s.Size
}

// CredentialsSecretName is the name of the endpoint's credentials Secret.
func (e *FhirEndpoint) CredentialsSecretName() string { return e.Name + "-credentials" }

// DataClaimName is the name of the endpoint's data PersistentVolumeClaim.
func (e *FhirEndpoint) DataClaimName() string { return e.Name + "-data" }

// ServerHTTPPort is the Service's (and the server container's) http port.
const ServerHTTPPort = 8080

// InternalURL is the server's in-cluster address through its Service <name>,
// http://<name>.<namespace>.svc:8080; the FHIR base is InternalURL() + "/fhir".
// The aggregator reads it (or status.internalURL, which holds the same).
func (e *FhirEndpoint) InternalURL() string {
	return fmt.Sprintf("http://%s.%s.svc:%d", e.Name, e.Namespace, ServerHTTPPort)
}
