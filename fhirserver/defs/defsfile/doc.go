// Package defsfile is the on-disk form of the generated FHIR definitions in
// fhirserver/defs/generated: hack/gendefs writes it and package defs reads it.
// Keeping the shape in one small package means writer and reader cannot drift
// apart, and the file stays close to the spec's own vocabulary so a reviewer
// can read a diff of the generated JSON.
package defsfile
