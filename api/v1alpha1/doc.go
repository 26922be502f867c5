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

// Package v1alpha1 holds the FhirEndpoint and FhirAggregator API (group
// fhir.fhirfleet.io): one FhirEndpoint asks for one customer feed's FHIR
// server, one FhirAggregator for the aggregated read-only endpoint over them. Validation lives in the
// CRD itself as markers and CEL rules, so the types here are the whole contract
// a platform engineer writes against.
//
// +kubebuilder:object:generate=true
// +groupName=fhir.fhirfleet.io
package v1alpha1
