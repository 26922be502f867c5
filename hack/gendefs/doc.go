// Command gendefs turns the official FHIR packages (hl7.fhir.r4.examples
// 4.0.1 and hl7.fhir.r3.examples 3.0.2, fetched by hack/fhir-packages.sh)
// into the compact definitions fhirserver/defs embeds: every resource and
// data type with its snapshot elements, every core SearchParameter and every
// CompartmentDefinition. docs/fhir-definitions.md says what is kept and why.
//
// Usage (what `make generate-fhir` runs):
//
//	go run ./hack/gendefs -packages "$(hack/fhir-packages.sh)" -out fhirserver/defs/generated
package main
