// Package kubesource finds the aggregator's sources in Kubernetes and
// publishes each one's progress there. Its Sources watch FhirEndpoints (in
// the namespaces given, or all) and the credentials Secrets they name, and
// report the current set of source.Specs whenever an endpoint appears, goes,
// is disabled, moves or has its aggregator client rotated; its StatusSink
// server-side applies status.aggregation and the Aggregated condition on
// each FhirEndpoint under the field manager fhirfleet-aggregator, beside the
// operator's own status fields, which it never touches.
package kubesource
