// Package outcome builds FHIR OperationOutcomes: the one shape in which every
// error a client can cause is reported, with an HTTP status, an issue code and
// the FHIRPath expression of the place that is wrong. STU3 and R4 share it.
package outcome
