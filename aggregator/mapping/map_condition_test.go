package mapping

import "testing"

// Snippets of Condition-f002.json and Condition-example.json.
func TestCondition(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "status codes become CodeableConcepts",
		in:   `{"resourceType":"Condition","id":"example","clinicalStatus":"active","verificationStatus":"confirmed","subject":{"reference":"Patient/example"}}`,
		want: `{"resourceType":"Condition","id":"example","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},"subject":{"reference":"Patient/example"}}`,
	}, {
		name: "context to encounter, stage to a list, assertedDate to recordedDate",
		in:   `{"resourceType":"Condition","id":"f002","stage":{"summary":{"coding":[{"system":"http://snomed.info/sct","code":"258219007","display":"stage II"}]}},"subject":{"reference":"Patient/f201"},"context":{"reference":"Encounter/f002"},"assertedDate":"2012-12-01"}`,
		want: `{"resourceType":"Condition","id":"f002","stage":[{"summary":{"coding":[{"system":"http://snomed.info/sct","code":"258219007","display":"stage II"}]}}],"subject":{"reference":"Patient/f201"},"encounter":{"reference":"Encounter/f002"},"recordedDate":"2012-12-01"}`,
	}, {
		name: "context to an EpisodeOfCare stays as an extension",
		in:   `{"resourceType":"Condition","subject":{"reference":"Patient/f201"},"context":{"reference":"EpisodeOfCare/e1"}}`,
		want: `{"resourceType":"Condition","subject":{"reference":"Patient/f201"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Condition.context","valueReference":{"reference":"EpisodeOfCare/e1"}}]}`,
	}, {
		name: "abatementBoolean has no R4 home",
		in:   `{"resourceType":"Condition","subject":{"reference":"Patient/f201"},"abatementBoolean":true}`,
		want: `{"resourceType":"Condition","subject":{"reference":"Patient/f201"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Condition.abatement","valueBoolean":true}]}`,
	}})
}
