// Package loadgen is fhirfleet's own HTTP load generator for the FHIR server:
// a fixed number of concurrent clients send requests on loopback for a fixed
// time (or count) and it reports throughput and latency percentiles. Every
// run is bounded in both count and time, so it can never run away.
package loadgen
