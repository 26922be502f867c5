package mapping

import "testing"

// Snippets of Immunization-example.json and Immunization-notGiven.json.
// (vaccination-protocol-dose-status is not an R4 code system: it keeps its URL.)
func TestImmunization(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "notGiven, date, reasonNotGiven",
		in:   `{"resourceType":"Immunization","id":"notGiven","status":"completed","notGiven":true,"vaccineCode":{"text":"DTP"},"patient":{"reference":"Patient/example"},"date":"2013-01-10","primarySource":true,"explanation":{"reasonNotGiven":[{"coding":[{"system":"http://hl7.org/fhir/v3/ActReason","code":"MEDPREC","display":"medical precaution"}]}]}}`,
		want: `{"resourceType":"Immunization","id":"notGiven","status":"not-done","vaccineCode":{"text":"DTP"},"patient":{"reference":"Patient/example"},"occurrenceDateTime":"2013-01-10","primarySource":true,"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Immunization.status","valueCode":"completed"},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Immunization.notGiven","valueBoolean":true}],"statusReason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"MEDPREC","display":"medical precaution"}]}}`,
	}, {
		name: "practitioner, explanation.reason, vaccinationProtocol",
		in:   `{"resourceType":"Immunization","status":"completed","notGiven":false,"vaccineCode":{"text":"Fluvax"},"patient":{"reference":"Patient/example"},"date":"2013-01-10","primarySource":true,"practitioner":[{"role":{"coding":[{"system":"http://hl7.org/fhir/v2/0443","code":"OP"}]},"actor":{"reference":"Practitioner/example"}}],"explanation":{"reason":[{"coding":[{"system":"http://snomed.info/sct","code":"429060002"}]}]},"vaccinationProtocol":[{"doseSequence":1,"description":"Vaccination Protocol Sequence 1","authority":{"reference":"Organization/hl7"},"series":"Vaccination Series 1","seriesDoses":2,"targetDisease":[{"coding":[{"system":"http://snomed.info/sct","code":"1857005"}]}],"doseStatus":{"coding":[{"system":"http://hl7.org/fhir/vaccination-protocol-dose-status","code":"count","display":"Counts"}]}}]}`,
		want: `{"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"Fluvax"},"patient":{"reference":"Patient/example"},"occurrenceDateTime":"2013-01-10","primarySource":true,"performer":[{"function":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0443","code":"OP"}]},"actor":{"reference":"Practitioner/example"}}],"protocolApplied":[{"doseNumberPositiveInt":1,"authority":{"reference":"Organization/hl7"},"series":"Vaccination Series 1","seriesDosesPositiveInt":2,"targetDisease":[{"coding":[{"system":"http://snomed.info/sct","code":"1857005"}]}],"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Immunization.vaccinationProtocol.description","valueString":"Vaccination Protocol Sequence 1"},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Immunization.vaccinationProtocol.doseStatus","valueCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/vaccination-protocol-dose-status","code":"count","display":"Counts"}]}}]}],"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Immunization.notGiven","valueBoolean":false}],"reasonCode":[{"coding":[{"system":"http://snomed.info/sct","code":"429060002"}]}]}`,
	}})
}
