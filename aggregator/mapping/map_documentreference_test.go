package mapping

import "testing"

// A snippet of DocumentReference-example.json.
func TestDocumentReference(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "class, indexed, created, context.related, context.encounter",
		in:   `{"resourceType":"DocumentReference","status":"current","type":{"text":"Outpatient Note"},"class":{"coding":[{"system":"http://ihe.net/xds/connectathon/classCodes","code":"History and Physical"}]},"created":"2005-12-24T09:35:00+11:00","indexed":"2005-12-24T09:43:41+11:00","content":[{"attachment":{"url":"http://example.org/xds/mhd/Binary/07a6483f-732b-461e-86b6-edb665c45510"}}],"context":{"encounter":{"reference":"Encounter/xcda"},"related":[{"identifier":{"system":"urn:ietf:rfc:3986","value":"urn:oid:1.3.6.1.4.1.21367.2005.3.7.2345"},"ref":{"reference":"Patient/xcda"}}]}}`,
		want: `{"resourceType":"DocumentReference","status":"current","type":{"text":"Outpatient Note"},"category":[{"coding":[{"system":"http://ihe.net/xds/connectathon/classCodes","code":"History and Physical"}]}],"date":"2005-12-24T09:43:41+11:00","content":[{"attachment":{"url":"http://example.org/xds/mhd/Binary/07a6483f-732b-461e-86b6-edb665c45510"}}],"context":{"encounter":[{"reference":"Encounter/xcda"}],"related":[{"reference":"Patient/xcda","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:oid:1.3.6.1.4.1.21367.2005.3.7.2345"}}]},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-DocumentReference.created","valueDateTime":"2005-12-24T09:35:00+11:00"}]}`,
	}})
}
