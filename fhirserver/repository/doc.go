// Package repository is the transport-free core of a FHIR server: reading,
// validating, indexing, stamping and writing resources over a store, a search
// engine and a validator. Package rest calls it for every interaction and the
// aggregator for what it ingests; neither knows HTTP is (or is not) involved.
// Reads go through the Reader interface so that an access policy can wrap
// read, vread, history and search alike. Client errors are *outcome.Error.
package repository
