// Package mapping turns STU3 resources into R4 ones, so the aggregator can
// pull from STU3 servers and store R4 only. The listed types of
// docs/aggregator.md ("Mapping STU3 to R4") each have a file of rules
// (map_<type>.go); every other element is copied by its definitions in
// defs.STU3 and defs.R4 (map_generic.go), and what has no R4 home is kept
// as an extension http://hl7.org/fhir/3.0/StructureDefinition/extension-<Path>,
// so nothing is silently dropped. Output is deterministic.
package mapping
