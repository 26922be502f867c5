package validation

import (
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// objectMutations break the rules walk.go enforces: resource types,
// property names, cardinality, choice elements and nested resources. Each
// document breaks one rule once and must be rejected with exactly one issue
// at exactly the expected place (TestInvalidMutationsRejected).
var objectMutations = []mutation{
	// resourceType
	{"not an object", `["Patient"]`, "", outcome.CodeStructure, ""},
	{"resourceType missing", `{"id":"x"}`, "", outcome.CodeRequired, ""},
	{"resourceType unknown", `{"resourceType":"Patientx"}`, "", outcome.CodeInvalid, ""},
	{"resourceType abstract", `{"resourceType":"DomainResource"}`, "", outcome.CodeInvalid, ""},
	{"resourceType not a string", `{"resourceType":1}`, "", outcome.CodeStructure, ""},
	{"resourceType of the other version", `{"resourceType":"ServiceRequest"}`, "", outcome.CodeInvalid, "STU3"},
	{"resourceType nested where not a resource", `{"resourceType":"Patient","name":[{"resourceType":"Patient"}]}`, "Patient.name[0].resourceType", outcome.CodeStructure, ""},
	// unknown properties
	{"unknown root property", `{"resourceType":"Patient","foo":1}`, "Patient.foo", outcome.CodeStructure, ""},
	{"unknown nested property", `{"resourceType":"Patient","name":[{"family":"F"},{"foo":"x"}]}`, "Patient.name[1].foo", outcome.CodeStructure, ""},
	{"unknown backbone property", `{"resourceType":"Patient","contact":[{"foo":"x"}]}`, "Patient.contact[0].foo", outcome.CodeStructure, ""},
	{"choice name of wrong type", `{"resourceType":"Patient","deceasedString":"yes"}`, "Patient.deceasedString", outcome.CodeStructure, ""},
	{"choice base name", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"value":"1"}`, "Observation.value", outcome.CodeStructure, ""},
	{"underscore of complex", `{"resourceType":"Patient","_name":{"id":"x"}}`, "Patient._name", outcome.CodeStructure, ""},
	{"underscore of unknown", `{"resourceType":"Patient","_foo":{"id":"x"}}`, "Patient._foo", outcome.CodeStructure, ""},
	// arrays and single values
	{"array for single primitive", `{"resourceType":"Patient","birthDate":["2000"]}`, "Patient.birthDate", outcome.CodeStructure, ""},
	{"array for single complex", `{"resourceType":"Patient","maritalStatus":[{"text":"x"}]}`, "Patient.maritalStatus", outcome.CodeStructure, ""},
	{"single for repeating complex", `{"resourceType":"Patient","name":{"family":"F"}}`, "Patient.name", outcome.CodeStructure, ""},
	{"single for repeating primitive", `{"resourceType":"Patient","name":[{"given":"A"}]}`, "Patient.name[0].given", outcome.CodeStructure, ""},
	// min cardinality
	{"required root element", `{"resourceType":"Observation","code":{"text":"x"}}`, "Observation.status", outcome.CodeRequired, ""},
	{"required nested element", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"component":[{"valueString":"x"}]}`, "Observation.component[0].code", outcome.CodeRequired, ""},
	{"required choice element", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"}}`, "MedicationRequest.medication[x]", outcome.CodeRequired, ""},
	{"required in bundle entry", `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"url":"Patient"}}]}`, "Bundle.entry[0].request.method", outcome.CodeRequired, ""},
	{"extension without url", `{"resourceType":"Patient","extension":[{"valueString":"x"}]}`, "Patient.extension[0].url", outcome.CodeRequired, ""},
	{"nested extension without url", `{"resourceType":"Patient","name":[{"extension":[{"url":"http://x.org/a","extension":[{"valueString":"x"}]}]}]}`, "Patient.name[0].extension[0].extension[0].url", outcome.CodeRequired, ""},
	{"modifierExtension without url", `{"resourceType":"Patient","modifierExtension":[{"valueBoolean":true}]}`, "Patient.modifierExtension[0].url", outcome.CodeRequired, ""},
	// choice
	{"two values for a choice", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueString":"a","valueBoolean":true}`, "Observation.valueBoolean", outcome.CodeStructure, ""},
	{"extension with two values", `{"resourceType":"Patient","extension":[{"url":"http://x.org/a","valueString":"a","valueCode":"b"}]}`, "Patient.extension[0].valueCode", outcome.CodeStructure, ""},
	{"choice value and other choice's extension", `{"resourceType":"Patient","deceasedBoolean":true,"_deceasedDateTime":{"id":"x"}}`, "Patient.deceasedDateTime", outcome.CodeStructure, ""},
	// resources inside resources
	{"contained without resourceType", `{"resourceType":"Patient","contained":[{"id":"x"}]}`, "Patient.contained[0]", outcome.CodeRequired, ""},
	{"contained unknown type", `{"resourceType":"Patient","contained":[{"resourceType":"Nope"}]}`, "Patient.contained[0]", outcome.CodeInvalid, ""},
	{"contained unknown property", `{"resourceType":"Patient","contained":[{"resourceType":"Organization","foo":1}]}`, "Patient.contained[0].foo", outcome.CodeStructure, ""},
	{"bundle entry resource property", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","name":[{"foo":1}]}}]}`, "Bundle.entry[0].resource.name[0].foo", outcome.CodeStructure, ""},
	{"bundle entry resource required", `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:0f0e0d0c-0b0a-0908-0706-050403020100"},{"resource":{"resourceType":"Observation","code":{"text":"x"}}}]}`, "Bundle.entry[1].resource.status", outcome.CodeRequired, ""},
	{"bundle in bundle", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","active":"no"}}]}}]}`, "Bundle.entry[0].resource.entry[0].resource.active", outcome.CodeStructure, ""},
	{"parameters resource", `{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Patient","gender":""}}]}`, "Parameters.parameter[0].resource.gender", outcome.CodeValue, ""},
	{"resource as array", `{"resourceType":"Bundle","type":"collection","entry":[{"resource":[{"resourceType":"Patient"}]}]}`, "Bundle.entry[0].resource", outcome.CodeStructure, ""},
}
