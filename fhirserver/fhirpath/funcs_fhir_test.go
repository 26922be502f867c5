package fhirpath

import "testing"

// TestFHIRFunctions covers tree navigation, the utility functions, FHIR's additions and the environment variables.
func TestFHIRFunctions(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"Patient.name[1].children()", "[usual, Jim]"}, {"Patient.contained.descendants()", "[org1, Acme]"},
		{"Patient.name.given.first().trace('x')", "[Peter]"}, {"today() > @2020-01-01", "[true]"}, {"now() > @2020-01-01T00:00:00Z", "[true]"},
		{"timeOfDay().exists()", "[true]"}, {"Patient.birthDate.hasValue()", "[true]"}, {"Patient.name.hasValue()", "[false]"},
		{"Patient.gender.getValue()", "[male]"}, {"Patient.name.getValue()", "[]"},
		{"Patient.hasExtension('http://example.org/ext/eye')", "[true]"}, {"Patient.gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", "[]"},
		{"%ucum", "[http://unitsofmeasure.org]"}, {"%sct", "[http://snomed.info/sct]"}, {"%`vs-administrative-gender`", "[http://hl7.org/fhir/ValueSet/administrative-gender]"},
		{"%'ext-patient-birthTime'", "[http://hl7.org/fhir/StructureDefinition/patient-birthTime]"}, {"%resource.id", "[example]"},
		{"%context.id", "[example]"}, {"%rootResource.gender", "[male]"}, {"Patient.name.where(given = 'Jim').use", "[usual]"},
	})
}
