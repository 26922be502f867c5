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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PrivacyLabel is a code of the privacy-label code system
// (http://fhir.patientsknowbest.com/codesystem/privacy-label): a resource
// carrying it in meta.security is visible only to customers granted it.
// +kubebuilder:validation:Enum=GENERAL_HEALTH;MENTAL_HEALTH;SEXUAL_HEALTH;SOCIAL_CARE
type PrivacyLabel string

const (
	PrivacyLabelGeneralHealth PrivacyLabel = "GENERAL_HEALTH"
	PrivacyLabelMentalHealth  PrivacyLabel = "MENTAL_HEALTH"
	PrivacyLabelSexualHealth  PrivacyLabel = "SEXUAL_HEALTH"
	PrivacyLabelSocialCare    PrivacyLabel = "SOCIAL_CARE"
)

// ProofingLevel is an NHS login identity proofing level.
// +kubebuilder:validation:Enum=P5;P9
type ProofingLevel string

// FhirAggregatorSpec is the aggregated read-only R4 endpoint over the
// FhirEndpoints of some namespaces, as the platform engineer asks for it.
type FhirAggregatorSpec struct {
	// Subdomain is the DNS label under the operator's base domain; the host
	// is <subdomain>.<base-domain>.
	// +optional
	// +kubebuilder:default=aggregated
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Subdomain string `json:"subdomain,omitempty"`

	// Image overrides the operator's aggregator image (--aggregator-image).
	// It runs only if it is under the manager's --allowed-image-prefixes;
	// otherwise SpecAccepted=False names it.
	// +optional
	// +kubebuilder:validation:MinLength=1
	Image string `json:"image,omitempty"`

	// Storage is the aggregator's data volume (its merged store).
	// +optional
	// +kubebuilder:default={}
	Storage StorageSpec `json:"storage,omitempty"`

	// Resources of the aggregator container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Ingress shapes the aggregator's Ingress, as a FhirEndpoint's.
	// +optional
	Ingress IngressSpec `json:"ingress,omitempty"`

	// Suspend scales the aggregator to zero; the data and every other child stay.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// Namespaces whose FhirEndpoints the aggregator follows; empty follows
	// every namespace. Its ServiceAccount is bound in exactly these.
	// +optional
	// +listType=set
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespaces []string `json:"namespaces,omitempty"`

	// Customers are the system clients of the aggregated endpoint: one
	// OAuth client each (Secret <name>-client-<customer>), granted the
	// privacy labels listed.
	// +optional
	// +listType=map
	// +listMapKey=name
	Customers []AggregatorCustomer `json:"customers,omitempty"`

	// PatientAccess lets patients read their own record with an ID token
	// from an OpenID Connect provider (token exchange); unset, only
	// customers may read.
	// +optional
	PatientAccess *PatientAccessSpec `json:"patientAccess,omitempty"`
}

// AggregatorCustomer is one customer's client of the aggregated endpoint.
type AggregatorCustomer struct {
	// Name of the customer, as FhirEndpoints' spec.customer: a DNS-1123 label.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// PrivacyLabels the customer is granted: it sees a labelled resource
	// only if it holds every label the resource carries.
	// +optional
	// +listType=set
	PrivacyLabels []PrivacyLabel `json:"privacyLabels,omitempty"`
}

// PatientAccessSpec configures the token exchange of patients' ID tokens.
// +kubebuilder:validation:XValidation:rule="has(self.jwksURI) != has(self.jwksSecret)",message="set exactly one of patientAccess.jwksURI and patientAccess.jwksSecret"
type PatientAccessSpec struct {
	// Issuer is the ID tokens' iss.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="patientAccess.issuer must be a URL"
	Issuer string `json:"issuer"`

	// JWKSURI is the https URL of the issuer's signing keys.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') && isURL(self)",message="patientAccess.jwksURI must be an https URL"
	JWKSURI string `json:"jwksURI,omitempty"`

	// JWKSSecret names a Secret in the aggregator's namespace holding the
	// issuer's keys as a JWK Set; it is mounted as a file.
	// +optional
	JWKSSecret *SecretKeyRef `json:"jwksSecret,omitempty"`

	// Audience is the ID tokens' required aud.
	// +required
	// +kubebuilder:validation:MinLength=1
	Audience string `json:"audience"`

	// MinimumProofingLevel is the lowest identity_proofing_level accepted.
	// +optional
	// +kubebuilder:default=P9
	MinimumProofingLevel ProofingLevel `json:"minimumProofingLevel,omitempty"`
}

// SecretKeyRef is one key of a Secret in the same namespace.
type SecretKeyRef struct {
	// Name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Key in the Secret's data.
	// +optional
	// +kubebuilder:default="jwks.json"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key,omitempty"`
}

// FhirAggregatorStatus is what the operator observed and did.
type FhirAggregatorStatus struct {
	// Conditions: Ready, and the ones that explain it: Available (the pod
	// is ready), Suspended, SpecAccepted, and one per child
	// (CredentialsReady, StorageReady, ServiceReady, IngressReady, RBACReady).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the last generation fully applied to the children.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// URL is the aggregated FHIR base, <scheme>://<host>/fhir.
	// +optional
	URL string `json:"url,omitempty"`

	// TokenURL is the OAuth 2.0 token endpoint, <scheme>://<host>/oauth2/token.
	// +optional
	TokenURL string `json:"tokenURL,omitempty"`

	// Sources counts the FhirEndpoints the aggregator follows: those in its
	// namespaces with aggregation enabled.
	// +optional
	Sources int32 `json:"sources"`

	// WorstLagSeconds is the largest status.aggregation.lagSeconds among
	// the sources; absent until the aggregator reports one.
	// +optional
	WorstLagSeconds *int64 `json:"worstLagSeconds,omitempty"`
}

// FhirAggregator is the aggregated read-only R4 endpoint over every
// customer feed, usually one per cluster.
//
// The name becomes part of child names (<name>-data, <name>-signing-key,
// <name>-client-<customer>, the Service <name>), so it must be a DNS-1035
// label short enough for them.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fha,categories=fhirfleet
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`
// +kubebuilder:printcolumn:name="Sources",type=integer,JSONPath=`.status.sources`,description="FhirEndpoints followed"
// +kubebuilder:printcolumn:name="Lag",type=integer,JSONPath=`.status.worstLagSeconds`,description="seconds the furthest-behind source lags"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 50",message="metadata.name must be a DNS-1035 label of at most 50 characters (child names are derived from it)"
type FhirAggregator struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	// +kubebuilder:default={}
	Spec FhirAggregatorSpec `json:"spec,omitempty"`

	// +optional
	Status FhirAggregatorStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// FhirAggregatorList is a list of FhirAggregators.
type FhirAggregatorList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FhirAggregator `json:"items"`
}
