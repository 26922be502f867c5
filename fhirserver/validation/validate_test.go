package validation

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

var bothVersions = []*defs.Version{defs.R4, defs.STU3}

// TestValidAccepted holds documents that use the corners of the format
// correctly; each must pass in both versions.
func TestValidAccepted(t *testing.T) {
	docs := map[string]string{
		"minimal patient": `{"resourceType":"Patient"}`,
		"primitive extension only": `{"resourceType":"Patient",
			"_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]}}`,
		"value and extension": `{"resourceType":"Patient","birthDate":"1970-01","_birthDate":{"id":"b1"}}`,
		"aligned arrays with nulls": `{"resourceType":"Patient","name":[{"given":["A",null,"C"],
			"_given":[null,{"extension":[{"url":"http://x.org/e","valueString":"B"}]},{"id":"g3"}]}]}`,
		"extension array alone": `{"resourceType":"Patient","name":[{"_given":[{"id":"a"},{"id":"b"}]}]}`,
		"decimal kept":          `{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1.50}}`,
		"contained and nested extension": `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1","name":"Org"}],
			"managingOrganization":{"reference":"#o1"},
			"extension":[{"url":"http://x.org/a","extension":[{"url":"b","valueBoolean":true}]}]}`,
		"bundle with resources": `{"resourceType":"Bundle","type":"transaction","entry":[
			{"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}},
			{"resource":{"resourceType":"Bundle","type":"collection"},"request":{"method":"POST","url":"Bundle"}}]}`,
		"parameters resource": `{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Patient"}},
			{"name":"q","valueInteger":-2147483648}]}`,
		"whitespace-only string is a string": `{"resourceType":"Patient","name":[{"text":"  "}]}`,
		"byte-order mark":                    "\xEF\xBB\xBF{\"resourceType\":\"Patient\"}",
	}
	for name, doc := range docs {
		for _, v := range bothVersions {
			t.Run(v.Name+"/"+name, func(t *testing.T) {
				res, oe := Validate(v, []byte(doc))
				if oe != nil {
					t.Fatalf("rejected: %v", oe)
				}
				if res.Str("resourceType") == "" {
					t.Error("no parsed resource returned")
				}
			})
		}
	}
}

type mutation struct {
	name string
	doc  string
	// expr is the exact expression of the single issue expected ("" for
	// none), code its issue code.
	expr string
	code outcome.Code
	// only restricts the case to one version ("R4" or "STU3").
	only string
}

// mutations are invalid documents, each breaking one rule once, at the
// root and nested. Each must be rejected with exactly one issue at exactly
// the expected place.
var mutations = []mutation{
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

// TestInvalidMutationsRejected runs every mutation against both versions.
func TestInvalidMutationsRejected(t *testing.T) {
	for _, m := range mutations {
		for _, v := range bothVersions {
			if m.only != "" && m.only != v.Name {
				continue
			}
			t.Run(v.Name+"/"+m.name, func(t *testing.T) {
				res, oe := Validate(v, []byte(m.doc))
				if oe == nil {
					t.Fatalf("accepted")
				}
				if res != nil {
					t.Error("a resource was returned with the error")
				}
				if oe.Status != http.StatusBadRequest {
					t.Errorf("status %d, want 400", oe.Status)
				}
				if len(oe.Issues) != 1 {
					t.Fatalf("want exactly one issue, got %d: %v", len(oe.Issues), oe)
				}
				is := oe.Issues[0]
				var expr string
				if len(is.Expression) > 0 {
					expr = is.Expression[0]
				}
				if expr != m.expr || is.Code != m.code || is.Severity != outcome.SeverityErr {
					t.Errorf("got %s %s at %q (%s); want %s at %q", is.Severity, is.Code, expr, is.Diagnostics, m.code, m.expr)
				}
				if len(is.Diagnostics) < 15 {
					t.Errorf("diagnostics too thin: %q", is.Diagnostics)
				}
			})
		}
	}
}

func TestSyntaxErrorsAre400(t *testing.T) {
	for _, doc := range []string{``, `{`, `{"resourceType":"Patient",}`, `{"resourceType":"Patient","id":"a","id":"b"}`, "{\"resourceType\":\"\xff\"}"} {
		_, oe := Validate(defs.R4, []byte(doc))
		if oe == nil || oe.Status != http.StatusBadRequest || len(oe.Issues) != 1 || oe.Issues[0].Code != outcome.CodeStructure {
			t.Errorf("%q: got %v", doc, oe)
			continue
		}
		if !strings.Contains(oe.Issues[0].Diagnostics, "line 1") {
			t.Errorf("%q: diagnostics lack the position: %s", doc, oe.Issues[0].Diagnostics)
		}
	}
	_, oe := Validate(defs.R4, []byte(`{"resourceType":"Patient","name":[{"family":"a","family":"b"}]}`))
	if oe == nil || !strings.Contains(oe.Issues[0].Diagnostics, `duplicate key "family"`) || !strings.Contains(oe.Issues[0].Diagnostics, "name[0]") {
		t.Errorf("duplicate key not reported with key and path: %v", oe)
	}
}

func TestIssuesAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient"`)
	for i := 0; i < 3*DefaultMaxIssues; i++ {
		b.WriteString(`,"x`)
		b.WriteString(strings.Repeat("y", i))
		b.WriteString(`":1`)
	}
	b.WriteString("}")
	_, oe := Validate(defs.R4, []byte(b.String()))
	if oe == nil || len(oe.Issues) != DefaultMaxIssues+1 {
		t.Fatalf("want %d issues, got %v", DefaultMaxIssues+1, oe)
	}
	last := oe.Issues[DefaultMaxIssues]
	if last.Severity != outcome.Information || !strings.Contains(last.Diagnostics, "only the first") {
		t.Errorf("last issue does not say more were omitted: %+v", last)
	}
}

func TestSeveralIssuesReported(t *testing.T) {
	_, oe := Validate(defs.R4, []byte(`{"resourceType":"Observation","foo":1,"code":{"text":""},"valueQuantity":{"value":"x"}}`))
	if oe == nil {
		t.Fatal("accepted")
	}
	var got []string
	for _, is := range oe.Issues {
		got = append(got, is.Expression[0])
	}
	want := []string{"Observation.foo", "Observation.code.text", "Observation.valueQuantity.value", "Observation.status"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("issues at %v, want %v", got, want)
	}
}
