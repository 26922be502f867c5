// Package fhirpath is fhirfleet's FHIRPath engine (normative N1, the language
// FHIR R4 and STU3 SearchParameters and FHIRPath Patch use). An expression is
// compiled once with Compile and evaluated, concurrently if wished, over a
// *fhirjson.Value resource, with element types taken from the defs package so
// that choice elements, `is`, `as` and `ofType` follow the FHIR model.
package fhirpath
