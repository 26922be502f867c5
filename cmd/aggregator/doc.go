// Command aggregator will serve the cluster-wide read-only R4 endpoint: it
// follows every FhirEndpoint's change feed ($changes), maps STU3 to R4 and
// applies the business rules. None of that is built yet; until it is, the
// binary says so and exits, rather than pretending to aggregate.
package main
