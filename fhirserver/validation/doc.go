// Package validation is the syntax check every write to a customer endpoint
// goes through: well-formed JSON, then every property, cardinality, choice,
// primitive value and contained resource against the official definitions
// of the endpoint's FHIR version (defs). It checks structure only — no
// profiles, terminology or business rules — and reports each problem as an
// OperationOutcome issue with the FHIRPath of the place that is wrong.
package validation
