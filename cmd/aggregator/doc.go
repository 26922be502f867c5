// Command aggregator follows every customer feed's change feed into one
// aggregated R4 store (aggregator/follow over aggregator/pipeline) and
// serves it read-only at <base-url>/fhir. Sources are static (--source)
// or the FhirEndpoints of a Kubernetes cluster. This package is flags and
// wiring only; docs/aggregator.md, "Running the aggregator", has the flags.
package main
