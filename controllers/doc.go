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

// Package controllers holds the FhirEndpoint and FhirAggregator reconcilers.
// Each Reconcile reads top to bottom: get the object, handle the finalizer,
// decide suspension, run the stages (one file per child kind, each applied
// with server-side apply under one field manager, through the shared runStages)
// and write status once. See docs/operator.md for what each becomes.
package controllers
