package mapping

import "testing"

// Snippets of Procedure-ambulation.json and Procedure-f001.json.
func TestProcedure(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "notDone is status not-done, notDoneReason statusReason, originals kept",
		in:   `{"resourceType":"Procedure","id":"ambulation","status":"suspended","notDone":true,"notDoneReason":{"coding":[{"system":"http://snomed.info/sct","code":"398254007","display":"  Pre-eclampsia (disorder)"}],"text":"Pre-eclampsia"},"subject":{"reference":"Patient/example"}}`,
		want: `{"resourceType":"Procedure","id":"ambulation","status":"not-done","statusReason":{"coding":[{"system":"http://snomed.info/sct","code":"398254007","display":"  Pre-eclampsia (disorder)"}],"text":"Pre-eclampsia"},"subject":{"reference":"Patient/example"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Procedure.status","valueCode":"suspended"},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Procedure.notDone","valueBoolean":true}]}`,
	}, {
		name: "performer.role to function, aborted to stopped, context to encounter",
		in:   `{"resourceType":"Procedure","id":"f001","status":"aborted","subject":{"reference":"Patient/f001"},"context":{"reference":"Encounter/f001"},"performer":[{"role":{"coding":[{"system":"urn:oid:2.16.840.1.113883.2.4.15.111","code":"01.000","display":"Arts"}],"text":"Care role"},"actor":{"reference":"Practitioner/f002","display":"P. Voigt"}}]}`,
		want: `{"resourceType":"Procedure","id":"f001","status":"stopped","subject":{"reference":"Patient/f001"},"encounter":{"reference":"Encounter/f001"},"performer":[{"function":{"coding":[{"system":"urn:oid:2.16.840.1.113883.2.4.15.111","code":"01.000","display":"Arts"}],"text":"Care role"},"actor":{"reference":"Practitioner/f002","display":"P. Voigt"}}],"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Procedure.status","valueCode":"aborted"}]}`,
	}})
}
