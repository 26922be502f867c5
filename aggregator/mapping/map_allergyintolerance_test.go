package mapping

import "testing"

// Snippets of AllergyIntolerance-example.json and AllergyIntolerance-medication.json.
func TestAllergyIntolerance(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "status codes and assertedDate",
		in:   `{"resourceType":"AllergyIntolerance","clinicalStatus":"active","verificationStatus":"unconfirmed","patient":{"reference":"Patient/example"},"assertedDate":"2010-03-01"}`,
		want: `{"resourceType":"AllergyIntolerance","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"unconfirmed"}]},"patient":{"reference":"Patient/example"},"recordedDate":"2010-03-01"}`,
	}, {
		name: "ait-1: no clinicalStatus beside entered-in-error",
		in:   `{"resourceType":"AllergyIntolerance","clinicalStatus":"active","verificationStatus":"entered-in-error","patient":{"reference":"Patient/example"}}`,
		want: `{"resourceType":"AllergyIntolerance","verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"entered-in-error"}]},"patient":{"reference":"Patient/example"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-AllergyIntolerance.clinicalStatus","valueCode":"active"}]}`,
	}})
}
