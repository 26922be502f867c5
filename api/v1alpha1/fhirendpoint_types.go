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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FHIRVersion is the FHIR release one endpoint serves.
// +kubebuilder:validation:Enum=R4;STU3
type FHIRVersion string

const (
	// FHIRVersionR4 is FHIR 4.0.1.
	FHIRVersionR4 FHIRVersion = "R4"
	// FHIRVersionSTU3 is FHIR 3.0.2.
	FHIRVersionSTU3 FHIRVersion = "STU3"
)

// DeletionPolicy says what happens to the data volume when its FhirEndpoint is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionPolicyRetain keeps the PersistentVolumeClaim (its owner reference is removed).
	DeletionPolicyRetain DeletionPolicy = "Retain"
	// DeletionPolicyDelete deletes the PersistentVolumeClaim with the FhirEndpoint.
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// FhirEndpointSpec is one customer feed's FHIR server, as the platform engineer asks for it.
//
// The default subdomain is <customer>-<feed>, which must itself be a DNS label.
// +kubebuilder:validation:XValidation:rule="has(self.subdomain) || size(self.customer) + size(self.feed) <= 62",message="customer and feed are too long for the default subdomain <customer>-<feed>; set spec.subdomain"
type FhirEndpointSpec struct {
	// Customer owns the endpoint. A DNS-1123 label; immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="customer is immutable"
	Customer string `json:"customer"`

	// Feed names the customer's inbound feed this endpoint receives. A DNS-1123 label; immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="feed is immutable"
	Feed string `json:"feed"`

	// FHIRVersion is the FHIR release served: R4 or STU3. Immutable, because
	// the stored resources are of that release.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="fhirVersion is immutable"
	FHIRVersion FHIRVersion `json:"fhirVersion"`

	// Subdomain is the DNS label under the operator's base domain; the host is
	// <subdomain>.<base-domain>. Defaults to <customer>-<feed>.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`

	// Suspend scales the server to zero; the data and every other child stay.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Storage is the server's data volume.
	// +optional
	// +kubebuilder:default={}
	Storage StorageSpec `json:"storage,omitempty"`

	// Resources of the server container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Image overrides the operator's fhirserver image for this endpoint. It
	// runs only if it is under the manager's --allowed-image-prefixes;
	// otherwise SpecAccepted=False names it and the server keeps its image.
	// +optional
	// +kubebuilder:validation:MinLength=1
	Image string `json:"image,omitempty"`

	// Ingress shapes the endpoint's Ingress.
	// +optional
	Ingress IngressSpec `json:"ingress,omitempty"`

	// Aggregation says whether the aggregator may read this endpoint.
	// +optional
	// +kubebuilder:default={}
	Aggregation AggregationSpec `json:"aggregation,omitempty"`

	// DeletionPolicy says what happens to the data volume when this FhirEndpoint
	// is deleted: Retain (default) keeps it, Delete deletes it.
	// +optional
	// +kubebuilder:default=Retain
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// Credentials asks the operator to rotate the credentials it generated.
	// +optional
	// +kubebuilder:default={}
	Credentials CredentialsSpec `json:"credentials,omitempty"`

	// PodTemplate is merged into the server's pod template: scheduling and
	// metadata only. The operator's own settings (command, security
	// context, probes, volumes, its labels and annotations) always win.
	// +optional
	PodTemplate PodTemplateOverrides `json:"podTemplate,omitempty"`
}

// CredentialsSpec drives the rotation of generated credentials. A Secret the
// user provided is never rotated by the operator.
type CredentialsSpec struct {
	// Rotation is a counter: raising it makes the operator write a new
	// client_secret and aggregator_client_secret into the generated Secret.
	// The server keeps the previous secrets valid for GracePeriod. It may
	// never be lowered.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:XValidation:rule="self >= oldSelf",message="credentials.rotation may be raised but never lowered"
	Rotation int64 `json:"rotation,omitempty"`

	// RotateSigningKey makes a rotation write a new token signing key too;
	// tokens signed with the previous key stay valid until they expire.
	// +optional
	RotateSigningKey bool `json:"rotateSigningKey,omitempty"`

	// GracePeriod is how long the server honours a replaced client secret
	// (its --secret-grace-period). Defaults to 24h, the server's default.
	// +optional
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="credentials.gracePeriod must be positive"
	GracePeriod *metav1.Duration `json:"gracePeriod,omitempty"`
}

// PodTemplateOverrides are the pod template fields a FhirEndpoint's author
// may set: where the pod runs and how it is labelled. Everything else in the
// pod (command, security context, probes, volumes, the service account
// token's automount) is the operator's and has no field here; the labels
// and annotations the operator sets win over these on the same key.
type PodTemplateOverrides struct {
	// Labels added to the pod; the operator's own labels win.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations added to the pod; the operator's own annotations win.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// NodeSelector of the pod.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// Tolerations of the pod.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// Affinity of the pod.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// TopologySpreadConstraints of the pod.
	// +optional
	// +listType=atomic
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`

	// PriorityClassName of the pod.
	// +optional
	// +kubebuilder:validation:MinLength=1
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// ServiceAccountName the pod runs as (e.g. for a node's image pull
	// secrets or a policy selecting on it). Its token is still not mounted:
	// the server needs no Kubernetes API access.
	// +optional
	// +kubebuilder:validation:MinLength=1
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// StorageSpec is the server's data volume (a PersistentVolumeClaim owned directly, so it can grow).
// +kubebuilder:validation:XValidation:rule="has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",message="storageClassName is immutable"
type StorageSpec struct {
	// Size of the volume. It may grow (if the storage class allows expansion) but never shrink.
	// +optional
	// +kubebuilder:default="10Gi"
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).isGreaterThan(quantity('0'))",message="storage size must be positive"
	// +kubebuilder:validation:XValidation:rule="quantity(string(self)).compareTo(quantity(string(oldSelf))) >= 0",message="storage size may grow but never shrink"
	Size *resource.Quantity `json:"size,omitempty"`

	// StorageClassName of the volume; the cluster's default class when unset. Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	StorageClassName *string `json:"storageClassName,omitempty"`
}

// IngressSpec shapes the endpoint's Ingress.
type IngressSpec struct {
	// ClassName is the IngressClass; the manager's --ingress-class when unset.
	// +optional
	// +kubebuilder:validation:MinLength=1
	ClassName *string `json:"className,omitempty"`

	// Annotations added to the Ingress, e.g. cert-manager.io/cluster-issuer.
	// Only keys the manager's --allowed-ingress-annotations allows are copied;
	// SpecAccepted=False names the others.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// TLS names the Secret holding the host's certificate.
	// +optional
	TLS *IngressTLS `json:"tls,omitempty"`
}

// IngressTLS names the Secret holding the host's certificate.
type IngressTLS struct {
	// SecretName of the kubernetes.io/tls Secret (cert-manager may create it).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName"`
}

// AggregationSpec says whether the aggregator may read this endpoint.
type AggregationSpec struct {
	// Enabled admits the aggregator through the NetworkPolicy. Defaults to true.
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`
}

// FhirEndpointStatus is what the operator observed and did.
type FhirEndpointStatus struct {
	// Conditions: Ready, and the ones that explain it: one per child
	// (CredentialsReady, StorageReady, Available, ServiceReady, IngressReady,
	// NetworkPolicyReady), Suspended and SpecAccepted, all written by the
	// operator; and Aggregated, written by the aggregator. Each writer owns its
	// own entries (server-side apply, keyed by type), so neither erases the other's.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the last generation fully applied to the children.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// URL is the FHIR base, <scheme>://<host>/fhir.
	// +optional
	URL string `json:"url,omitempty"`

	// TokenURL is the OAuth 2.0 token endpoint, <scheme>://<host>/oauth2/token.
	// +optional
	TokenURL string `json:"tokenURL,omitempty"`

	// CredentialsSecret is the name of the Secret holding the OAuth clients and signing key.
	// +optional
	CredentialsSecret string `json:"credentialsSecret,omitempty"`

	// FHIRVersion is the FHIR release the server runs.
	// +optional
	FHIRVersion FHIRVersion `json:"fhirVersion,omitempty"`

	// InternalURL is the server's in-cluster address,
	// http://<name>.<namespace>.svc:8080 (the Service's http port): what the
	// aggregator reads. The FHIR base is InternalURL + "/fhir".
	// +optional
	InternalURL string `json:"internalURL,omitempty"`

	// Image is the fhirserver image the server's StatefulSet runs. During an
	// operator upgrade it lags --fhirserver-image until the fleet-wide
	// rollout reaches this endpoint; UpToDate says where it stands.
	// +optional
	Image string `json:"image,omitempty"`

	// Aggregation is the aggregator's progress on this endpoint. The
	// aggregator writes it (field manager fhirfleet-aggregator); the operator
	// never does.
	// +optional
	Aggregation *AggregationStatus `json:"aggregation,omitempty"`

	// Credentials is the state of the generated credentials' rotation.
	// Absent for a Secret the user provided.
	// +optional
	Credentials *CredentialsStatus `json:"credentials,omitempty"`
}

// CredentialsStatus is the state of the generated credentials' rotation.
type CredentialsStatus struct {
	// Rotation is the spec.credentials.rotation the Secret holds.
	// +optional
	Rotation int64 `json:"rotation,omitempty"`

	// RotatedAt is when the operator last wrote new secrets.
	// +optional
	RotatedAt *metav1.Time `json:"rotatedAt,omitempty"`

	// PreviousValidUntil is until when the server honours the secrets
	// replaced at RotatedAt: RotatedAt plus the grace period. The server
	// starts the grace when it sees the new files (the kubelet may take a
	// minute or two), so the previous secrets work at least until then.
	// +optional
	PreviousValidUntil *metav1.Time `json:"previousValidUntil,omitempty"`
}

// AggregationStatus is how far the aggregator has read one endpoint's feed.
type AggregationStatus struct {
	// Cursor is where the next read starts (opaque to everyone but the aggregator).
	// +optional
	Cursor string `json:"cursor,omitempty"`

	// LastSyncTime is when the aggregator last finished a read.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// LagSeconds is how far behind the endpoint the aggregator is.
	// +optional
	// +kubebuilder:validation:Minimum=0
	LagSeconds *int64 `json:"lagSeconds,omitempty"`

	// Accepted counts the resources the aggregator took in.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Accepted int64 `json:"accepted,omitempty"`

	// Excluded counts the resources it left out (by policy or as invalid).
	// +optional
	// +kubebuilder:validation:Minimum=0
	Excluded int64 `json:"excluded,omitempty"`

	// Pending counts the resources it has seen but not yet processed.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Pending int64 `json:"pending,omitempty"`
}

// FhirEndpoint is one customer feed's dedicated FHIR server on its own subdomain.
//
// The name becomes part of child names (<name>-credentials, <name>-data, the
// Service <name>), so it must be a DNS-1035 label short enough for them.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fhe,categories=fhirfleet
// +kubebuilder:printcolumn:name="Customer",type=string,JSONPath=`.spec.customer`
// +kubebuilder:printcolumn:name="Feed",type=string,JSONPath=`.spec.feed`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.fhirVersion`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="UpToDate",type=string,JSONPath=`.status.conditions[?(@.type=="UpToDate")].status`,description="runs the image it should, and is ready on it"
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.status.image`,priority=1
// +kubebuilder:printcolumn:name="Lag",type=integer,JSONPath=`.status.aggregation.lagSeconds`,description="seconds the aggregator is behind"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 50",message="metadata.name must be a DNS-1035 label of at most 50 characters (child names are derived from it)"
type FhirEndpoint struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec FhirEndpointSpec `json:"spec"`

	// +optional
	Status FhirEndpointStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// FhirEndpointList is a list of FhirEndpoints.
type FhirEndpointList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FhirEndpoint `json:"items"`
}
