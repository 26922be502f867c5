// Package defsfile is the on-disk form of the generated FHIR definitions in
// fhirserver/defs/generated: hack/gendefs writes it and package defs reads it.
// Keeping the shape in one small package means writer and reader cannot drift
// apart.
//
// The format is line-oriented text, chosen over JSON because decoding it
// takes a few milliseconds instead of tens (servers load it at start) while
// a git diff of it still reads like a diff of the spec. Each line is one
// record: a tag and fields separated by single TABs, with no escaping — the
// writer refuses values holding a TAB, CR or LF, and list items holding a
// comma. Empty fields are empty strings; lists are comma-separated.
//
//	# comment (the first line is the "Code generated … DO NOT EDIT." marker)
//	version      name  fhirVersion  package
//	type         name  kind  abstract|""  base  jsonType  regex
//	elem         path  min  max  flags(S=summary,M=modifier)  contentReference  types
//	param        url  code  base,…  type  multipleOr  multipleAnd  target,…  modifier,…  comparator,…  expression
//	component    definition  expression                 (belongs to the param above)
//	compartment  code
//	member       resourceType  param,…                  (belongs to the compartment above)
//
// An elem belongs to the type above it, and a type's elems follow its type
// record with no other record between (comments and blank lines aside), so
// a reader can skip them as one block and decode them later
// (DecodeIndex, Type.DecodeElements). Types are written as in FHIR's own
// notation, comma-separated: "Quantity,Reference(Patient|Group)".
// multipleOr/multipleAnd are "true", "false" or "" (absent).
package defsfile
