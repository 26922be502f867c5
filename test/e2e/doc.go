// Package e2e tests fhirfleet's binaries from the outside: it builds the
// real fhirserver and aggregator, runs them as processes on loopback, kills
// them with SIGKILL at random moments, restarts them, and drives them with
// real third-party FHIR clients. Nothing here reaches into the server's
// packages; the aggregator tests read the aggregator's store only after its
// process stopped (there is no aggregated endpoint to ask yet).
package e2e
