// Package merge turns the checked R4 resources of every source into the
// aggregated (downstream) set: Patient, Person, Practitioner, Organization
// and Medication are merged across sources and customers into one resource
// per group of contributors that share an identifier (Medication: a coding),
// every other type is copied 1:1. It gives every downstream resource a
// stable id, says where it came from (meta.source for a copy, a contributor
// extension for a merged resource, source-organization labels in
// meta.security) and rewrites references to downstream ids. Everything here
// is pure: no transport, no store. docs/aggregator.md ("Ids, merging and
// provenance") describes the choices.
package merge
