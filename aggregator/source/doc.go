// Package source says which customer feeds the aggregator follows and where
// each one's progress is published. A Spec is found statically (the
// --source flag, for running without Kubernetes) or in Kubernetes (every
// FhirEndpoint whose aggregation is enabled); the follower only ever sees
// the whole current set of Specs, so both ways look the same to it.
package source
