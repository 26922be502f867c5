package mapping

import "strings"

// R4System is the R4 URL of a STU3 code system: R4 moved most of the code
// systems HL7 defines from http://hl7.org/fhir/<x> (and /v2/<n>, /v3/<x>)
// to http://terminology.hl7.org/CodeSystem/<x> (v2-<n>, v3-<x>). The moved
// names are generated from the CodeSystems of the official R4 package
// (zz_generated_codesystems.go); any other system is returned unchanged.
func R4System(system string) string {
	const base = "http://hl7.org/fhir/"
	rest, ok := strings.CutPrefix(system, base)
	if !ok {
		return system
	}
	name := rest
	if v, n, ok := strings.Cut(rest, "/"); ok && (v == "v2" || v == "v3") {
		name = v + "-" + n
	}
	if to, ok := renamedCodeSystem(name); ok {
		name = to
	}
	if movedCodeSystems[name] {
		return "http://terminology.hl7.org/CodeSystem/" + name
	}
	return system
}

// renamedCodeSystem is the R4 name of a code system that R4 renamed as it
// moved it (the table of moves cannot see those: the names differ). A test
// checks each target is an R4 code system.
func renamedCodeSystem(name string) (string, bool) {
	switch name {
	case "medication-request-category":
		return "medicationrequest-category", true
	case "claim-careteamrole":
		return "claimcareteamrole", true
	}
	return "", false
}
