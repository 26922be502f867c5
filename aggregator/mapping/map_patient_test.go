package mapping

import "testing"

// The STU3 package holds no Patient with animal; the snippet is from the
// STU3 specification's patient-example-animal.
func TestPatient(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "animal becomes the patient-animal extension",
		in:   `{"resourceType":"Patient","id":"animal","active":true,"animal":{"species":{"coding":[{"system":"http://hl7.org/fhir/animal-species","code":"canislf","display":"Dog"}]},"genderStatus":{"coding":[{"system":"http://hl7.org/fhir/animal-genderstatus","code":"neutered"}]}}}`,
		want: `{"resourceType":"Patient","id":"animal","active":true,"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-animal","extension":[{"url":"species","valueCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/animal-species","code":"canislf","display":"Dog"}]}},{"url":"genderStatus","valueCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/animal-genderstatus","code":"neutered"}]}}]}]}`,
	}, {
		name: "same-named elements are copied, primitive siblings too",
		in:   `{"resourceType":"Patient","gender":"male","birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}}`,
		want: `{"resourceType":"Patient","gender":"male","birthDate":"1974-12-25","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1974-12-25T14:35:45-05:00"}]}}`,
	}})
}
