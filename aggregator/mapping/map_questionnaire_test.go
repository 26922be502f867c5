package mapping

import "testing"

// Snippets of Questionnaire-bb.json, Questionnaire-3141.json and
// Questionnaire-f201.json.
func TestQuestionnaire(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "option becomes answerOption, hasAnswer becomes operator exists",
		in:   `{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"sex","text":"Sex","type":"choice","option":[{"valueCoding":{"code":"F"}},{"valueCoding":{"code":"M"}}]},{"linkId":"vitaminKDose1","type":"dateTime","enableWhen":[{"question":"vitaminKgiven","hasAnswer":true}]}]}`,
		want: `{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"sex","text":"Sex","type":"choice","answerOption":[{"valueCoding":{"code":"F"}},{"valueCoding":{"code":"M"}}]},{"linkId":"vitaminKDose1","type":"dateTime","enableWhen":[{"question":"vitaminKgiven","answerBoolean":true,"operator":"exists"}]}]}`,
	}, {
		name: "options becomes answerValueSet, answer[x] gets operator =, nested items too",
		in:   `{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1.1","prefix":"1","type":"choice","options":{"reference":"http://hl7.org/fhir/ValueSet/yesnodontknow"},"item":[{"linkId":"1.1.1","type":"group","enableWhen":[{"question":"1.1","answerCoding":{"system":"http://hl7.org/fhir/v2/0136","code":"Y"}}]}]}]}`,
		want: `{"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1.1","prefix":"1","type":"choice","answerValueSet":"http://hl7.org/fhir/ValueSet/yesnodontknow","item":[{"linkId":"1.1.1","type":"group","enableWhen":[{"question":"1.1","answerCoding":{"system":"http://terminology.hl7.org/CodeSystem/v2-0136","code":"Y"},"operator":"="}]}]}]}`,
	}, {
		name: "initial[x] becomes initial.value[x]",
		in:   `{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"1","type":"boolean","initialBoolean":false,"_initialBoolean":{"id":"i1"}}]}`,
		want: `{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"1","type":"boolean","initial":[{"valueBoolean":false,"_valueBoolean":{"id":"i1"}}]}]}`,
	}})
}
