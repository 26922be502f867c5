package mapping

import "testing"

// Snippets of Observation-blood-pressure-cancel.json, Observation-vitals-panel.json
// and Observation-example.json.
func TestObservation(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "comment becomes a note",
		in:   `{"resourceType":"Observation","status":"cancelled","code":{"text":"BP"},"comment":"In this example, the blood pressure measurements are not available due to cancellation of the order."}`,
		want: `{"resourceType":"Observation","status":"cancelled","code":{"text":"BP"},"note":[{"text":"In this example, the blood pressure measurements are not available due to cancellation of the order."}]}`,
	}, {
		name: "related has-member and derived-from split, others kept",
		in:   `{"resourceType":"Observation","status":"final","code":{"text":"Vital signs"},"related":[{"type":"has-member","target":{"reference":"Observation/respiratory-rate","display":"Respiratory Rate"}},{"type":"derived-from","target":{"reference":"Observation/heart-rate"}},{"type":"replaces","target":{"reference":"Observation/old"}}]}`,
		want: `{"resourceType":"Observation","status":"final","code":{"text":"Vital signs"},"hasMember":[{"reference":"Observation/respiratory-rate","display":"Respiratory Rate"}],"derivedFrom":[{"reference":"Observation/heart-rate"}],"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.related","extension":[{"url":"type","valueCode":"replaces"},{"url":"target","valueReference":{"reference":"Observation/old"}}]}]}`,
	}, {
		name: "context becomes encounter, code systems move",
		in:   `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://hl7.org/fhir/observation-category","code":"vital-signs"}]}],"code":{"text":"Weight"},"context":{"reference":"Encounter/example"}}`,
		want: `{"resourceType":"Observation","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"text":"Weight"},"encounter":{"reference":"Encounter/example"}}`,
	}, {
		name: "a value type R4 dropped is kept as an extension",
		in:   `{"resourceType":"Observation","status":"final","code":{"text":"photo"},"valueAttachment":{"contentType":"image/png","url":"http://example.org/p.png"}}`,
		want: `{"resourceType":"Observation","status":"final","code":{"text":"photo"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.value","valueAttachment":{"contentType":"image/png","url":"http://example.org/p.png"}}]}`,
	}})
}
