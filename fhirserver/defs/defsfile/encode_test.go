package defsfile

import (
	"reflect"
	"strings"
	"testing"
)

func boolPtr(b bool) *bool { return &b }

func sample() *File {
	return &File{
		Generated: GeneratedMarker, Name: "R4", FHIRVersion: "4.0.1", Package: "hl7.fhir.r4.examples@4.0.1",
		Types: []Type{
			{Name: "Observation", Kind: KindResource, Base: "DomainResource", Elements: []Element{
				{Path: "Observation", Min: 0, Max: "*"},
				{Path: "Observation.subject", Max: "1", Summary: true, Types: []TypeRef{{Code: "Reference", Targets: []string{"Patient", "Group"}}}},
				{Path: "Observation.status", Min: 1, Max: "1", Summary: true, Modifier: true, Types: []TypeRef{{Code: "code"}}},
				{Path: "Observation.value[x]", Max: "1", Types: []TypeRef{{Code: "Quantity"}, {Code: "string"}}},
			}},
			{Name: "Questionnaire", Kind: KindResource, Abstract: true, Elements: []Element{
				{Path: "Questionnaire", Max: "*"},
				{Path: "Questionnaire.item", Max: "*", Types: []TypeRef{{Code: "BackboneElement"}}},
				{Path: "Questionnaire.item.item", Max: "*", ContentReference: "#Questionnaire.item"},
			}},
			{Name: "code", Kind: KindPrimitive, Base: "string", JSONType: "string", Regex: `[^\s]+(\s[^\s]+)*`, Elements: []Element{
				{Path: "code", Max: "*"},
				{Path: "code.value", Max: "1", Types: []TypeRef{{Code: "http://hl7.org/fhirpath/System.String"}}},
			}},
		},
		SearchParams: []SearchParam{
			{URL: "http://hl7.org/fhir/SearchParameter/Observation-code-value-quantity", Code: "code-value-quantity",
				Base: []string{"Observation"}, Type: "composite", Expression: "Observation", MultipleOr: boolPtr(false),
				Component: []Component{{Definition: "http://hl7.org/fhir/SearchParameter/clinical-code", Expression: "code"},
					{Definition: "http://hl7.org/fhir/SearchParameter/Observation-value-quantity", Expression: "value.as(Quantity)"}}},
			{URL: "u:2", Code: "date", Base: []string{"A", "B"}, Type: "date", Comparator: []string{"eq", "lt"},
				Modifier: []string{"missing"}, Target: []string{"Patient"}, MultipleAnd: boolPtr(true),
				Expression: "A.date | (B.when as dateTime)"},
		},
		Compartments: []Compartment{{Code: "Patient", Resources: map[string][]string{"Observation": {"subject", "performer"}, "Account": {"subject"}}}},
	}
}

func TestRoundTrip(t *testing.T) {
	f := sample()
	data, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Encode(sample())
	if err != nil || string(again) != string(data) {
		t.Fatalf("encoding is not repeatable: %v", err)
	}
	got, err := Decode(string(data))
	if err != nil {
		t.Fatal(err)
	}
	f.ParamsDigest = ParamsDigest(f.SearchParams)
	if !reflect.DeepEqual(got, f) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, f)
	}
	for _, line := range []string{
		"elem\tObservation.subject\t0\t1\tS\t\tReference(Patient|Group)\n",
		"elem\tObservation.status\t1\t1\tSM\t\tcode\n",
		"member\tAccount\tsubject\nmember\tObservation\tsubject,performer\n",
		"component\thttp://hl7.org/fhir/SearchParameter/clinical-code\tcode\n",
		// The head: each type with the length of its elem block.
		"type\tQuestionnaire\tresource\tabstract\t\t\t\t127\n",
	} {
		if !strings.Contains(string(data), line) {
			t.Errorf("output lacks %q", line)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(f *File)
	}{
		{"tab in expression", func(f *File) { f.SearchParams[1].Expression = "a\tb" }},
		{"newline in regex", func(f *File) { f.Types[2].Regex = "a\nb" }},
		{"comma in list item", func(f *File) { f.SearchParams[1].Base[0] = "A,B" }},
		{"empty list item", func(f *File) { f.SearchParams[1].Target[0] = "" }},
		{"pipe in target", func(f *File) { f.Types[0].Elements[1].Types[0].Targets[0] = "A|B" }},
		{"paren in code", func(f *File) { f.Types[0].Elements[2].Types[0].Code = "code(" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := sample()
			tc.break_(f)
			if _, err := Encode(f); err == nil {
				t.Error("encoded")
			}
		})
	}
}
