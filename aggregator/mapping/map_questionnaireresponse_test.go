package mapping

import "testing"

// Snippets of QuestionnaireResponse-3141.json and -ussg-fht-answers.json.
func TestQuestionnaireResponse(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "parent, questionnaire, context",
		in:   `{"resourceType":"QuestionnaireResponse","id":"3141","parent":[{"reference":"Procedure/f201"}],"questionnaire":{"reference":"Questionnaire/3141"},"status":"completed","context":{"reference":"Encounter/example"}}`,
		want: `{"resourceType":"QuestionnaireResponse","id":"3141","partOf":[{"reference":"Procedure/f201"}],"questionnaire":"Questionnaire/3141","status":"completed","encounter":{"reference":"Encounter/example"}}`,
	}, {
		name: "item.subject is kept as an extension",
		in:   `{"resourceType":"QuestionnaireResponse","status":"in-progress","item":[{"linkId":"2","text":"Family member health information","subject":{"reference":"Patient/pat1"},"item":[{"linkId":"2.1.1.2","answer":[{"valueString":"Susan"}]}]}]}`,
		want: `{"resourceType":"QuestionnaireResponse","status":"in-progress","item":[{"linkId":"2","text":"Family member health information","item":[{"linkId":"2.1.1.2","answer":[{"valueString":"Susan"}]}],"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-QuestionnaireResponse.item.subject","valueReference":{"reference":"Patient/pat1"}}]}]}`,
	}})
}
