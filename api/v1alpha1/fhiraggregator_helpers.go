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
	"slices"
	"strings"
)

// Condition types a FhirAggregator reports besides those it shares with
// FhirEndpoint (Ready, Available, Suspended, SpecAccepted, CredentialsReady,
// StorageReady, ServiceReady, IngressReady).
const (
	// ConditionRBACReady is True when the ServiceAccount and its bindings to
	// the fhirfleet-aggregator ClusterRole are applied.
	ConditionRBACReady = "RBACReady"
)

// FhirAggregator condition reasons.
const (
	// ReasonNamespaceNotAdmitted: the FhirEndpoints' NetworkPolicies admit
	// aggregator pods only in the manager's --aggregator-namespace.
	ReasonNamespaceNotAdmitted = "NamespaceNotAdmitted"
)

// DefaultAggregatorSubdomain is spec.subdomain when it is unset.
const DefaultAggregatorSubdomain = "aggregated"

// DefaultProofingLevel is patientAccess.minimumProofingLevel when it is unset.
const DefaultProofingLevel ProofingLevel = "P9"

// DefaultJWKSKey is patientAccess.jwksSecret.key when it is unset.
const DefaultJWKSKey = "jwks.json"

// EffectiveSubdomain is spec.subdomain, or "aggregated" when it is unset.
func (a *FhirAggregator) EffectiveSubdomain() string {
	if a.Spec.Subdomain != "" {
		return a.Spec.Subdomain
	}
	return DefaultAggregatorSubdomain
}

// Follows reports whether the aggregator follows FhirEndpoints in namespace ns.
func (a *FhirAggregator) Follows(ns string) bool {
	return len(a.Spec.Namespaces) == 0 || slices.Contains(a.Spec.Namespaces, ns)
}

// DataClaimName is the name of the aggregator's data PersistentVolumeClaim.
func (a *FhirAggregator) DataClaimName() string { return a.Name + "-data" }

// SigningKeySecretName is the name of the Secret holding the key the
// aggregator signs its access tokens with.
func (a *FhirAggregator) SigningKeySecretName() string { return a.Name + "-signing-key" }

// ClientSecretName is the name of the Secret holding one customer's client.
func (a *FhirAggregator) ClientSecretName(customer string) string {
	return a.Name + "-client-" + customer
}

// PrivacyLabelsValue is a customer's privacy_labels file: the codes,
// comma-separated, in a fixed order.
func (c AggregatorCustomer) PrivacyLabelsValue() string {
	codes := make([]string, 0, len(c.PrivacyLabels))
	for _, l := range c.PrivacyLabels {
		codes = append(codes, string(l))
	}
	slices.Sort(codes)
	return strings.Join(slices.Compact(codes), ",")
}

// EffectiveMinimumProofingLevel is minimumProofingLevel, or P9 when unset.
func (p *PatientAccessSpec) EffectiveMinimumProofingLevel() ProofingLevel {
	if p.MinimumProofingLevel == "" {
		return DefaultProofingLevel
	}
	return p.MinimumProofingLevel
}

// EffectiveKey is key, or jwks.json when unset.
func (r *SecretKeyRef) EffectiveKey() string {
	if r.Key == "" {
		return DefaultJWKSKey
	}
	return r.Key
}
