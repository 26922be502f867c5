package mapping

import "testing"

// Snippets of Encounter-f202.json and Encounter-f203.json.
func TestEncounter(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "diagnosis.role to use, reason to reasonCode, incomingReferral to basedOn",
		in:   `{"resourceType":"Encounter","id":"f202","status":"finished","class":{"system":"http://hl7.org/fhir/v3/ActCode","code":"AMB"},"incomingReferral":[{"reference":"ReferralRequest/example"}],"reason":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/encounter-primaryDiagnosis","valuePositiveInt":2}],"text":"The patient is treated for a tumor."}],"diagnosis":[{"condition":{"display":"Complications from Roel's TPF chemotherapy"},"role":{"coding":[{"system":"http://hl7.org/fhir/diagnosis-role","code":"AD","display":"Admission diagnosis"}]},"rank":1}]}`,
		want: `{"resourceType":"Encounter","id":"f202","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"basedOn":[{"reference":"ReferralRequest/example"}],"reasonCode":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/encounter-primaryDiagnosis","valuePositiveInt":2}],"text":"The patient is treated for a tumor."}],"diagnosis":[{"condition":{"display":"Complications from Roel's TPF chemotherapy"},"use":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/diagnosis-role","code":"AD","display":"Admission diagnosis"}]},"rank":1}]}`,
	}})
}
