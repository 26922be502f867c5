// Package fhirjson reads and writes FHIR's JSON exactly: it keeps decimals as
// written, keeps member order, rejects duplicate keys and invalid UTF-8, and
// tolerates a byte-order mark. Every other FHIR package works on its Value tree;
// an Arena lets a caller that parses body after body reuse the tree's memory.
package fhirjson
