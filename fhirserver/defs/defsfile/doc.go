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
//	version      name  fhirVersion  package  paramsDigest
//	type         name  kind  abstract|""  base  jsonType  regex  elemBytes
//	compartment  code
//	member       resourceType  param,…                  (belongs to the compartment above)
//	elem         path  min  max  flags(S=summary,M=modifier)  contentReference  types
//	param        url  code  base,…  type  multipleOr  multipleAnd  target,…  modifier,…  comparator,…  expression
//	component    definition  expression                 (belongs to the param above)
//
// The records come in that order, in three parts. The head is the version,
// every type and every compartment: what a server indexes at start, about
// 20 KB. Then the elem records, each type's as one block, the blocks in the
// order of the type records; a type record's elemBytes is the length of its
// block in bytes, so a reader finds every block from the head alone. Last,
// to the end of the file, the param records. A reader that wants the head
// (DecodeIndex) reads the head and nothing else: the elem blocks are
// decoded per type when wanted (Type.DecodeElements) and the params when
// first asked for (File.DecodeSearchParams). Within the embedded file that
// is the difference between touching 20 KB of the binary at start and all
// 850 KB (the kernel maps a binary's pages in 64 KB windows, so even a scan
// for line ends makes the whole file resident).
//
// paramsDigest is the SHA-256, in hex, of every parameter in file order
// (hack/gendefs writes them sorted by URL, the order the digest had before
// it was written down, so stores indexed since keep their fingerprint):
// its url, code, type and expression and then each component's definition
// and expression, each followed by a NUL byte (ParamsDigest). It is what
// the search index fingerprint hashes, written down by the generator so a
// server can tell whether its index matches the definitions without
// reading the parameters; decoding the params checks it.
//
// Types are written as in FHIR's own notation, comma-separated:
// "Quantity,Reference(Patient|Group)". multipleOr/multipleAnd are "true",
// "false" or "" (absent).
package defsfile
