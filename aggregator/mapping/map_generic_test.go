package mapping

import "testing"

// The element-by-element copy, on types without rules of their own
// (snippets of official STU3 examples: Provenance-example.json,
// Claim-100150.json, ServiceRequest's STU3 ancestors).
func TestGenericCopy(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "a choice R4 narrowed to one type keeps its value under the plain name",
		in:   `{"resourceType":"Provenance","target":[{"reference":"Procedure/example"}],"recorded":"2015-06-27T08:39:24+10:00","agent":[{"whoReference":{"reference":"Practitioner/xcda-author"}}]}`,
		want: `{"resourceType":"Provenance","target":[{"reference":"Procedure/example"}],"recorded":"2015-06-27T08:39:24+10:00","agent":[{"who":{"reference":"Practitioner/xcda-author"}}]}`,
	}, {
		name: "a choice type R4 dropped goes to an extension",
		in:   `{"resourceType":"Provenance","target":[{"reference":"Procedure/example"}],"recorded":"2015-06-27T08:39:24+10:00","agent":[{"whoUri":"urn:example:who"}]}`,
		want: `{"resourceType":"Provenance","target":[{"reference":"Procedure/example"}],"recorded":"2015-06-27T08:39:24+10:00","agent":[{"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Provenance.agent.who","valueUri":"urn:example:who"}]}]}`,
	}, {
		name: "an element named resourceType inside a backbone is not the resource's",
		in:   `{"resourceType":"Claim","status":"active","payee":{"type":{"text":"provider"},"resourceType":{"system":"http://hl7.org/fhir/resource-type-link","code":"organization"}}}`,
		want: `{"resourceType":"Claim","status":"active","payee":{"type":{"text":"provider"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Claim.payee.resourceType","valueCoding":{"system":"http://terminology.hl7.org/CodeSystem/resource-type-link","code":"organization"}}]}}`,
	}, {
		name: "a STU3 modifier without an R4 home becomes a modifierExtension",
		in:   `{"resourceType":"MedicationAdministration","status":"completed","notGiven":true,"medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2015-01-15"}`,
		want: `{"resourceType":"MedicationAdministration","status":"completed","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2015-01-15","modifierExtension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationAdministration.notGiven","valueBoolean":true}]}`,
	}, {
		name: "ReferralRequest becomes a ServiceRequest",
		in:   `{"resourceType":"ReferralRequest","id":"ref","status":"active","intent":"order","subject":{"reference":"Patient/1"},"description":"refer"}`,
		want: `{"resourceType":"ServiceRequest","id":"ref","status":"active","intent":"order","subject":{"reference":"Patient/1"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-ReferralRequest.description","valueString":"refer"}]}`,
	}, {
		name: "0..1 to 0..* wraps the primitive sibling too",
		in:   `{"resourceType":"DocumentReference","status":"current","type":{"text":"n"},"indexed":"2005-12-24T09:43:41+11:00","content":[{"attachment":{"url":"x"}}],"context":{"encounter":{"reference":"Encounter/1"}}}`,
		want: `{"resourceType":"DocumentReference","status":"current","type":{"text":"n"},"date":"2005-12-24T09:43:41+11:00","content":[{"attachment":{"url":"x"}}],"context":{"encounter":[{"reference":"Encounter/1"}]}}`,
	}})
}

func TestCompatiblePrimitive(t *testing.T) {
	// uri → canonical keeps the value where R4's pattern accepts it;
	// string → markdown always.
	runRuleCases(t, []ruleCase{{
		name: "string to markdown",
		in:   `{"resourceType":"Questionnaire","status":"draft","description":"a *questionnaire*"}`,
		want: `{"resourceType":"Questionnaire","status":"draft","description":"a *questionnaire*"}`,
	}})
}
