package validation

import (
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// valueMutations break the rules walk_values.go enforces: JSON kinds and
// values of primitives, empty values and null, and "_" siblings. Each
// document breaks one rule once and must be rejected with exactly one issue
// at exactly the expected place (TestInvalidMutationsRejected).
var valueMutations = []mutation{
	// JSON kinds of primitives
	{"boolean as string", `{"resourceType":"Patient","active":"true"}`, "Patient.active", outcome.CodeStructure, ""},
	{"boolean as number", `{"resourceType":"Patient","active":1}`, "Patient.active", outcome.CodeStructure, ""},
	{"integer as string", `{"resourceType":"Patient","multipleBirthInteger":"2"}`, "Patient.multipleBirthInteger", outcome.CodeStructure, ""},
	{"decimal as string", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"1.5"}}`, "Observation.valueQuantity.value", outcome.CodeStructure, ""},
	{"string as number", `{"resourceType":"Patient","name":[{"family":1}]}`, "Patient.name[0].family", outcome.CodeStructure, ""},
	{"date as object", `{"resourceType":"Patient","birthDate":{"value":"2000"}}`, "Patient.birthDate", outcome.CodeStructure, ""},
	{"complex as string", `{"resourceType":"Patient","maritalStatus":"M"}`, "Patient.maritalStatus", outcome.CodeStructure, ""},
	// primitive values
	{"bad id", `{"resourceType":"Patient","id":"a b"}`, "Patient.id", outcome.CodeValue, ""},
	{"id too long", `{"resourceType":"Patient","id":"` + strings.Repeat("a", 65) + `"}`, "Patient.id", outcome.CodeValue, ""},
	{"bad date", `{"resourceType":"Patient","birthDate":"2000-13-01"}`, "Patient.birthDate", outcome.CodeValue, ""},
	{"bad instant", `{"resourceType":"Patient","meta":{"lastUpdated":"2019-01-01"}}`, "Patient.meta.lastUpdated", outcome.CodeValue, ""},
	{"dateTime without zone", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2019-01-01T10:00:00"}`, "Observation.effectiveDateTime", outcome.CodeValue, ""},
	{"bad code", `{"resourceType":"Patient","gender":"ma  le"}`, "Patient.gender", outcome.CodeValue, ""},
	{"code with leading space", `{"resourceType":"Patient","gender":" male"}`, "Patient.gender", outcome.CodeValue, ""},
	{"bad uri", `{"resourceType":"Patient","identifier":[{"system":"http://x.org/a b"}]}`, "Patient.identifier[0].system", outcome.CodeValue, ""},
	{"bad string", "{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"a\\fb\"}]}", "Patient.name[0].text", outcome.CodeValue, ""},
	{"bad base64", `{"resourceType":"Patient","photo":[{"data":"abc"}]}`, "Patient.photo[0].data", outcome.CodeValue, ""},
	{"bad time", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueTime":"25:00:00"}`, "Observation.valueTime", outcome.CodeValue, ""},
	{"bad xhtml", `{"resourceType":"Patient","text":{"status":"generated","div":"<p>x</p>"}}`, "Patient.text.div", outcome.CodeValue, ""},
	{"integer out of range", `{"resourceType":"Patient","multipleBirthInteger":2147483648}`, "Patient.multipleBirthInteger", outcome.CodeValue, ""},
	{"integer with fraction", `{"resourceType":"Patient","multipleBirthInteger":2.0}`, "Patient.multipleBirthInteger", outcome.CodeValue, ""},
	{"positiveInt zero", `{"resourceType":"Patient","telecom":[{"rank":0}]}`, "Patient.telecom[0].rank", outcome.CodeValue, ""},
	{"unsignedInt negative", `{"resourceType":"Patient","photo":[{"size":-1}]}`, "Patient.photo[0].size", outcome.CodeValue, ""},
	{"decimal exponent in STU3", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e2}}`, "Observation.valueQuantity.value", outcome.CodeValue, "STU3"},
	// decimals the grammar allows but the search index could not hold
	{"decimal exponent beyond int32", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e2147483648}}`, "Observation.valueQuantity.value", outcome.CodeValue, "R4"},
	{"decimal exponent beyond int64", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":-1e9223372036854775809}}`, "Observation.valueQuantity.value", outcome.CodeValue, "R4"},
	{"decimal just above range", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e4001}}`, "Observation.valueQuantity.value", outcome.CodeValue, "R4"},
	{"decimal just below range", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"component":[{"code":{"text":"y"},"valueQuantity":{"value":9e-4001}}]}`, "Observation.component[0].valueQuantity.value", outcome.CodeValue, "R4"},
	{"decimal with too many digits", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1` + strings.Repeat("0", 4000) + `}}`, "Observation.valueQuantity.value", outcome.CodeValue, ""},
	{"bad value in contained", `{"resourceType":"Patient","contained":[{"resourceType":"Patient","birthDate":"1-1-2000"}]}`, "Patient.contained[0].birthDate", outcome.CodeValue, ""},
	// empty things and null
	{"empty string", `{"resourceType":"Patient","name":[{"given":["A",""]}]}`, "Patient.name[0].given[1]", outcome.CodeValue, ""},
	{"empty object", `{"resourceType":"Patient","maritalStatus":{}}`, "Patient.maritalStatus", outcome.CodeStructure, ""},
	{"empty object in array", `{"resourceType":"Patient","name":[{"family":"F"},{}]}`, "Patient.name[1]", outcome.CodeStructure, ""},
	{"empty array", `{"resourceType":"Patient","name":[]}`, "Patient.name", outcome.CodeStructure, ""},
	{"empty primitive array", `{"resourceType":"Patient","name":[{"given":[]}]}`, "Patient.name[0].given", outcome.CodeStructure, ""},
	{"null single primitive", `{"resourceType":"Patient","birthDate":null}`, "Patient.birthDate", outcome.CodeStructure, ""},
	{"null single complex", `{"resourceType":"Patient","maritalStatus":null}`, "Patient.maritalStatus", outcome.CodeStructure, ""},
	{"null in complex array", `{"resourceType":"Patient","name":[null]}`, "Patient.name[0]", outcome.CodeStructure, ""},
	{"empty resource", `{"resourceType":"Patient","contained":[{}]}`, "Patient.contained[0]", outcome.CodeRequired, ""},
	// _x siblings
	{"empty extension object", `{"resourceType":"Patient","birthDate":"2000","_birthDate":{}}`, "Patient.birthDate", outcome.CodeStructure, ""},
	{"unknown property in sibling", `{"resourceType":"Patient","_birthDate":{"foo":1}}`, "Patient.birthDate.foo", outcome.CodeStructure, ""},
	{"sibling not an object", `{"resourceType":"Patient","birthDate":"2000","_birthDate":"x"}`, "Patient.birthDate", outcome.CodeStructure, ""},
	{"sibling extension without url", `{"resourceType":"Patient","_birthDate":{"extension":[{"valueString":"x"}]}}`, "Patient.birthDate.extension[0].url", outcome.CodeRequired, ""},
	{"sibling array for single", `{"resourceType":"Patient","_birthDate":[{"id":"x"}]}`, "Patient.birthDate", outcome.CodeStructure, ""},
	{"null without extension", `{"resourceType":"Patient","name":[{"given":["A",null]}]}`, "Patient.name[0].given[1]", outcome.CodeStructure, ""},
	{"null in both arrays", `{"resourceType":"Patient","name":[{"given":["A",null],"_given":[null,null]}]}`, "Patient.name[0].given[1]", outcome.CodeStructure, ""},
	{"null extension without value", `{"resourceType":"Patient","name":[{"_given":[{"id":"a"},null]}]}`, "Patient.name[0].given[1]", outcome.CodeStructure, ""},
	{"arrays of different length", `{"resourceType":"Patient","name":[{"given":["A","B"],"_given":[{"id":"a"}]}]}`, "Patient.name[0].given", outcome.CodeStructure, ""},
	{"bad value beside extension", `{"resourceType":"Patient","name":[{"given":["A",""],"_given":[null,{"id":"b"}]}]}`, "Patient.name[0].given[1]", outcome.CodeValue, ""},
	{"bad id in sibling", `{"resourceType":"Patient","name":[{"given":["A"],"_given":[{"id":1}]}]}`, "Patient.name[0].given[0].id", outcome.CodeStructure, ""},
}

// TestDecimalRangeEdgesAccepted: R4 decimals with exponents at the edges of
// the supported range, and zero with an exponent far beyond it, are valid.
func TestDecimalRangeEdgesAccepted(t *testing.T) {
	for _, lit := range []string{"0e99999999999999999999", "-0.0e-99999999999999999999", "1e4000", "-9.99e4000", "1e-4000", "0.01e-3998"} {
		t.Run(lit, func(t *testing.T) {
			doc := `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":` + lit + `}}`
			if _, oe := Validate(defs.R4, []byte(doc)); oe != nil {
				t.Fatalf("rejected: %v", oe)
			}
		})
	}
}
