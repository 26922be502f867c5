package mapping

import "testing"

// Snippets of MedicationStatement-example001.json and -example002.json.
func TestMedicationStatement(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "taken=n is status not-taken; reasonNotTaken is reasonCode; originals kept",
		in:   `{"resourceType":"MedicationStatement","status":"completed","medicationReference":{"reference":"#med0309"},"subject":{"reference":"Patient/pat1"},"taken":"n","reasonNotTaken":[{"coding":[{"system":"http://snomed.info/sct","code":"166643006","display":"Liver enzymes abnormal"}]}]}`,
		want: `{"resourceType":"MedicationStatement","status":"not-taken","medicationReference":{"reference":"#med0309"},"subject":{"reference":"Patient/pat1"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.status","valueCode":"completed"},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.taken","valueCode":"n"},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.reasonNotTaken","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"166643006","display":"Liver enzymes abnormal"}]}}],"reasonCode":[{"coding":[{"system":"http://snomed.info/sct","code":"166643006","display":"Liver enzymes abnormal"}]}]}`,
	}, {
		name: "taken=unk is status unknown; context stays",
		in:   `{"resourceType":"MedicationStatement","status":"active","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"context":{"reference":"Encounter/e"},"taken":"unk"}`,
		want: `{"resourceType":"MedicationStatement","status":"unknown","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"context":{"reference":"Encounter/e"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.status","valueCode":"active"},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.taken","valueCode":"unk"}]}`,
	}, {
		name: "dosage dose and rate move into doseAndRate",
		in:   `{"resourceType":"MedicationStatement","status":"active","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"taken":"y","dosage":[{"sequence":1,"text":"1-2 tablets","doseRange":{"low":{"value":1,"unit":"TAB"},"high":{"value":2,"unit":"TAB"}},"rateQuantity":{"value":1,"unit":"TAB"}}]}`,
		want: `{"resourceType":"MedicationStatement","status":"active","medicationReference":{"reference":"#m"},"subject":{"reference":"Patient/pat1"},"dosage":[{"sequence":1,"text":"1-2 tablets","doseAndRate":[{"doseRange":{"low":{"value":1,"unit":"TAB"},"high":{"value":2,"unit":"TAB"}},"rateQuantity":{"value":1,"unit":"TAB"}}]}],"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-MedicationStatement.taken","valueCode":"y"}]}`,
	}})
}
