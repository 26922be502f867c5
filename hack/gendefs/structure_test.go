package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

func TestStringOrList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`"http://hl7.org/fhir/StructureDefinition/Patient"`, []string{"http://hl7.org/fhir/StructureDefinition/Patient"}},
		{`["a","b"]`, []string{"a", "b"}},
	}
	for _, tc := range tests {
		var got stringOrList
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil || !reflect.DeepEqual([]string(got), tc.want) {
			t.Errorf("%s: got %v, %v", tc.in, got, err)
		}
	}
}

func TestTypeCode(t *testing.T) {
	fhirType := func(v string) []extension { return []extension{{URL: extFHIRType, ValueURL: v}} }
	tests := []struct {
		name     string
		basePath string
		et       elementType
		primVal  bool
		want     string
		wantErr  bool
	}{
		{"plain", "", elementType{Code: "Quantity"}, false, "Quantity", false},
		{"R4 element id", "Element.id", elementType{Code: "http://hl7.org/fhirpath/System.String", Extension: fhirType("string")}, false, "string", false},
		{"R4 extension url", "Extension.url", elementType{Code: "http://hl7.org/fhirpath/System.String", Extension: fhirType("uri")}, false, "uri", false},
		{"R4 resource id", "Resource.id", elementType{Code: "http://hl7.org/fhirpath/System.String", Extension: fhirType("string")}, false, "id", false},
		{"R4 xhtml.id without extension", "Element.id", elementType{Code: "http://hl7.org/fhirpath/System.String"}, false, "string", false},
		{"R4 primitive value keeps system type", "", elementType{Code: "http://hl7.org/fhirpath/System.Integer", Extension: fhirType("integer")}, true, "http://hl7.org/fhirpath/System.Integer", false},
		{"no code", "", elementType{}, false, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ed := &elementDefinition{Path: "X.y"}
			ed.Base.Path = tc.basePath
			got, err := typeCode(ed, &tc.et, tc.primVal)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestTargetNames(t *testing.T) {
	got, err := targetNames([]string{"http://hl7.org/fhir/StructureDefinition/Patient", "http://hl7.org/fhir/StructureDefinition/Group"})
	if err != nil || !reflect.DeepEqual(got, []string{"Patient", "Group"}) {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"http://example.org/StructureDefinition/X", "http://hl7.org/fhir/StructureDefinition/", "http://hl7.org/fhir/StructureDefinition/a/b"} {
		if _, err := targetNames([]string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestIsTypeDefinition(t *testing.T) {
	tests := []struct {
		kind, derivation string
		want             bool
	}{
		{"resource", "specialization", true},
		{"resource", "", true}, // Resource itself
		{"complex-type", "", true},
		{"primitive-type", "specialization", true},
		{"complex-type", "constraint", false}, // SimpleQuantity, extensions
		{"resource", "constraint", false},     // profiles
		{"logical", "specialization", false},  // MetadataResource
	}
	for _, tc := range tests {
		sd := &structureDefinition{Kind: tc.kind, Derivation: tc.derivation}
		if got := isTypeDefinition(sd); got != tc.want {
			t.Errorf("%s/%s: %v, want %v", tc.kind, tc.derivation, got, tc.want)
		}
	}
}

// primitiveSD builds a primitive StructureDefinition as each release writes
// it: R4 with a system type and regex extension, STU3 with _code extensions.
func primitiveSD(name, base, valueType string) structureDefinition {
	var sd structureDefinition
	raw := `{"type":"` + name + `","kind":"primitive-type","derivation":"specialization",
		"baseDefinition":"http://hl7.org/fhir/StructureDefinition/` + base + `","snapshot":{"element":[
		{"path":"` + name + `","min":0,"max":"*"},
		{"path":"` + name + `.id","min":0,"max":"1","base":{"path":"Element.id"},"type":[{"code":"string"}]},
		{"path":"` + name + `.value","min":0,"max":"1","type":[` + valueType + `]}]}}`
	if err := json.Unmarshal([]byte(raw), &sd); err != nil {
		panic(err)
	}
	return sd
}

func TestPrimitiveConversion(t *testing.T) {
	r4Integer := `{"code":"http://hl7.org/fhirpath/System.Integer","extension":[{"url":"` + extRegexR4 + `","valueString":"-?[0-9]+"}]}`
	r4Positive := `{"code":"http://hl7.org/fhirpath/System.String","extension":[{"url":"` + extRegexR4 + `","valueString":"[1-9][0-9]*"}]}`
	stu3Boolean := `{"_code":{"extension":[{"url":"` + extJSONType + `","valueString":"boolean"}]}}`
	stu3Date := `{"extension":[{"url":"` + extRegexSTU3 + `","valueString":"[0-9]{4}"}],"_code":{"extension":[{"url":"` + extJSONType + `","valueString":"string"}]}}`
	stringSD := primitiveSD("string", "Element", `{"code":"string"}`) // stands in for the id's type
	elementSD := structureDefinition{Type: "Element", Kind: "complex-type", Abstract: true}
	elementSD.Snapshot.Element = []elementDefinition{{Path: "Element", Max: "*"}}
	sds := []structureDefinition{
		elementSD, stringSD,
		primitiveSD("integer", "Element", r4Integer),
		primitiveSD("positiveInt", "integer", r4Positive),
		primitiveSD("boolean", "Element", stu3Boolean),
		primitiveSD("date", "Element", stu3Date),
	}
	types, err := convertTypes(sds)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]defsfile.Type{}
	for _, ty := range types {
		got[ty.Name] = ty
	}
	tests := []struct{ name, jsonType, regex, valueCode string }{
		{"integer", "number", "-?[0-9]+", "http://hl7.org/fhirpath/System.Integer"},
		{"positiveInt", "number", "[1-9][0-9]*", "http://hl7.org/fhirpath/System.String"}, // JSON type inherited from integer
		{"boolean", "boolean", "", ""},
		{"date", "string", "[0-9]{4}", ""},
	}
	for _, tc := range tests {
		ty := got[tc.name]
		if ty.JSONType != tc.jsonType || ty.Regex != tc.regex {
			t.Errorf("%s: json %q regex %q", tc.name, ty.JSONType, ty.Regex)
		}
		value := ty.Elements[2]
		code := ""
		if len(value.Types) > 0 {
			code = value.Types[0].Code
		}
		if code != tc.valueCode {
			t.Errorf("%s.value type %q, want %q", tc.name, code, tc.valueCode)
		}
	}
	// Types come out sorted by name.
	var names []string
	for _, ty := range types {
		names = append(names, ty.Name)
	}
	if strings.Join(names, " ") != "Element boolean date integer positiveInt string" {
		t.Errorf("order %v", names)
	}
}

func TestConvertTypesRejects(t *testing.T) {
	elementSD := structureDefinition{Type: "Element", Kind: "complex-type"}
	elementSD.Snapshot.Element = []elementDefinition{{Path: "Element", Max: "*"}}
	tests := []struct {
		name  string
		extra func() structureDefinition
		want  string
	}{
		{"twice", func() structureDefinition { return elementSD }, "defined twice"},
		{"no root", func() structureDefinition {
			sd := structureDefinition{Type: "X", Kind: "complex-type"}
			sd.Snapshot.Element = []elementDefinition{{Path: "Y"}}
			return sd
		}, "root element"},
		{"slice", func() structureDefinition {
			sd := structureDefinition{Type: "X", Kind: "complex-type"}
			sd.Snapshot.Element = []elementDefinition{{Path: "X", Max: "*"}, {Path: "X.a", SliceName: "s", Max: "1"}}
			return sd
		}, "slice"},
		{"unknown type", func() structureDefinition {
			sd := structureDefinition{Type: "X", Kind: "complex-type"}
			sd.Snapshot.Element = []elementDefinition{{Path: "X", Max: "*"}, {Path: "X.a", Max: "1", Type: []elementType{{Code: "Nope"}}}}
			return sd
		}, "unknown type"},
		{"bad content reference", func() structureDefinition {
			sd := structureDefinition{Type: "X", Kind: "complex-type"}
			sd.Snapshot.Element = []elementDefinition{{Path: "X", Max: "*"}, {Path: "X.a", Max: "*", ContentReference: "#X.b"}}
			return sd
		}, "content reference"},
		{"bad max", func() structureDefinition {
			sd := structureDefinition{Type: "X", Kind: "complex-type"}
			sd.Snapshot.Element = []elementDefinition{{Path: "X", Max: "*"}, {Path: "X.a", Max: "n", Type: []elementType{{Code: "Element"}}}}
			return sd
		}, "max"},
		{"two types", func() structureDefinition {
			sd := structureDefinition{Type: "X", Kind: "complex-type"}
			sd.Snapshot.Element = []elementDefinition{{Path: "X", Max: "*"}, {Path: "X.a", Max: "1", Type: []elementType{{Code: "Element"}, {Code: "X"}}}}
			return sd
		}, "non-choice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convertTypes([]structureDefinition{elementSD, tc.extra()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestMergeTypeRef(t *testing.T) {
	// STU3 lists Reference once per target; they become one TypeRef.
	var refs []defsfile.TypeRef
	refs = mergeTypeRef(refs, "Reference", []string{"Patient"})
	refs = mergeTypeRef(refs, "string", nil)
	refs = mergeTypeRef(refs, "Reference", []string{"Group"})
	want := []defsfile.TypeRef{{Code: "Reference", Targets: []string{"Patient", "Group"}}, {Code: "string"}}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("got %+v", refs)
	}
}
