package mapping

import "testing"

func TestExtensionURL(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"DocumentReference.created", "http://hl7.org/fhir/3.0/StructureDefinition/extension-DocumentReference.created"},
		{"Observation.value[x]", "http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.value"},
	} {
		if got := ExtensionURL(tc.path); got != tc.want {
			t.Errorf("ExtensionURL(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

// How values without an R4 home are kept: a backbone element becomes a
// complex extension whose sub-extensions carry its children (with their
// primitive siblings, ids and own extensions), one extension per item.
func TestExtensions(t *testing.T) {
	runRuleCases(t, []ruleCase{{
		name: "a backbone element with an id, an extension and a primitive sibling",
		in:   `{"resourceType":"Observation","status":"final","code":{"text":"x"},"related":[{"id":"r1","extension":[{"url":"http://example.org/e","valueString":"e"}],"type":"replaces","_type":{"extension":[{"url":"http://example.org/t","valueBoolean":true}]},"target":{"reference":"Observation/1"}},{"type":"sequel-to","target":{"reference":"Observation/2"}}]}`,
		want: `{"resourceType":"Observation","status":"final","code":{"text":"x"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.related","id":"r1","extension":[{"url":"http://example.org/e","valueString":"e"},{"url":"type","valueCode":"replaces","_valueCode":{"extension":[{"url":"http://example.org/t","valueBoolean":true}]}},{"url":"target","valueReference":{"reference":"Observation/1"}}]},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.related","extension":[{"url":"type","valueCode":"sequel-to"},{"url":"target","valueReference":{"reference":"Observation/2"}}]}]}`,
	}, {
		name: "a data type kept in an extension is itself mapped to R4",
		in:   `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueAttachment":{"url":"http://example.org/a"},"context":{"reference":"EpisodeOfCare/1","identifier":{"type":{"coding":[{"system":"http://hl7.org/fhir/v2/0203","code":"MR"}]},"value":"1"}}}`,
		want: `{"resourceType":"Observation","status":"final","code":{"text":"x"},"extension":[{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.value","valueAttachment":{"url":"http://example.org/a"}},{"url":"http://hl7.org/fhir/3.0/StructureDefinition/extension-Observation.context","valueReference":{"reference":"EpisodeOfCare/1","identifier":{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"1"}}}]}`,
	}})
}
