package mapping

import "testing"

// Snippets of MedicationRequest-medrx002.json, -medrx0301.json and -medrx0303.json.
func TestMedicationRequest(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "requester.agent becomes requester, onBehalfOf an extension on it",
		in:   `{"resourceType":"MedicationRequest","id":"medrx002","status":"active","intent":"order","medicationReference":{"reference":"Medication/med0309"},"subject":{"reference":"Patient/pat1"},"requester":{"agent":{"reference":"Practitioner/f007","display":"Patrick Pump"},"onBehalfOf":{"reference":"Organization/f002"}}}`,
		want: `{"resourceType":"MedicationRequest","id":"medrx002","status":"active","intent":"order","medicationReference":{"reference":"Medication/med0309"},"subject":{"reference":"Patient/pat1"},"requester":{"reference":"Practitioner/f007","display":"Patrick Pump","extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationRequest.requester.onBehalfOf","valueReference":{"reference":"Organization/f002"}}]}}`,
	}, {
		name: "substitution.allowed, category to a list, code systems move",
		in:   `{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"category":{"coding":[{"system":"http://hl7.org/fhir/medication-request-category","code":"inpatient","display":"Inpatient"}]},"substitution":{"allowed":true,"reason":{"coding":[{"system":"http://hl7.org/fhir/v3/ActReason","code":"FP","display":"formulary policy"}]}}}`,
		want: `{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/medicationrequest-category","code":"inpatient","display":"Inpatient"}]}],"substitution":{"allowedBoolean":true,"reason":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"FP","display":"formulary policy"}]}}}`,
	}, {
		name: "definition becomes instantiatesCanonical, context encounter",
		in:   `{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"definition":[{"reference":"ActivityDefinition/heart-valve-replacement"}],"context":{"reference":"Encounter/f001"}}`,
		want: `{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"encounter":{"reference":"Encounter/f001"},"instantiatesCanonical":["ActivityDefinition/heart-valve-replacement"]}`,
	}, {
		name: "dosageInstruction doseQuantity into doseAndRate",
		in:   `{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"dosageInstruction":[{"sequence":1,"text":"Two tablets at once","doseQuantity":{"value":2,"unit":"TAB","system":"http://hl7.org/fhir/v3/orderableDrugForm","code":"TAB"}}]}`,
		want: `{"resourceType":"MedicationRequest","status":"active","intent":"order","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"dosageInstruction":[{"sequence":1,"text":"Two tablets at once","doseAndRate":[{"doseQuantity":{"value":2,"unit":"TAB","system":"http://hl7.org/fhir/v3/orderableDrugForm","code":"TAB"}}]}]}`,
	}})
}
