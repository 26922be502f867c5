package fhirpath

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestLocation checks that nodes report where they sit, which FHIRPath
// Patch needs to change them.
func TestLocation(t *testing.T) {
	res := mustJSON(t, testPatient)
	tests := []struct {
		expr, member string
		index        int
		parentHas    string
		path         string
	}{
		{"Patient.name[1].given[0]", "given", 0, "use", "Patient.name[1].given[0]"},
		{"Patient.gender", "gender", -1, "birthDate", "Patient.gender"},
		{"Patient.deceased", "deceasedBoolean", -1, "gender", "Patient.deceasedBoolean"},
		{"Patient.birthDate.extension", "extension", 0, "extension", "Patient.birthDate.extension[0]"},
		{"Patient.contained.name", "name", -1, "resourceType", "Patient.contained[0].name"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := MustCompile(tc.expr).Evaluate(nil, res, defs.R4)
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v, %v", render(got), err)
			}
			parent, member, index := got[0].Location()
			if parent == nil || member != tc.member || index != tc.index || parent.Get(tc.parentHas) == nil {
				t.Errorf("got %v %q %d", parent != nil, member, index)
			}
			if parent.Get(member) == nil {
				t.Errorf("parent has no member %q", member)
			}
			if got[0].Path() != tc.path {
				t.Errorf("Path() = %s, want %s", got[0].Path(), tc.path)
			}
		})
	}
	root, err := MustCompile("Patient").Evaluate(nil, res, defs.R4)
	if err != nil || len(root) != 1 {
		t.Fatal(err)
	}
	if p, _, i := root[0].Location(); p != nil || i != -1 {
		t.Errorf("the resource itself has no parent, got %v %d", p, i)
	}
}

// TestItemValue checks how primitive nodes become System values from
// their FHIR type, and the type names items report.
func TestItemValue(t *testing.T) {
	res := mustJSON(t, `{"resourceType":"Observation","status":"final","valueInteger":7,"issued":"2020-01-01T10:00:00Z",
		"component":[{"valueString":"s"},{"valueTime":"10:00"},{"valueBoolean":true},{"valueDateTime":"2020"}],
		"referenceRange":[{"low":{"value":1.50,"code":"mg","system":"http://unitsofmeasure.org"}}]}`)
	tests := []struct{ expr, typeName, sys string }{
		{"Observation.status", "FHIR.code", "String"},
		{"Observation.value", "FHIR.integer", "Integer"},
		{"Observation.issued", "FHIR.instant", "DateTime"},
		{"Observation.component[0].value", "FHIR.string", "String"},
		{"Observation.referenceRange.low.value", "FHIR.decimal", "Decimal"},
		{"Observation.component[1].value", "FHIR.time", "Time"},
		{"Observation.component[2].value", "FHIR.boolean", "Boolean"},
		{"Observation.component[3].value", "FHIR.dateTime", "DateTime"},
		{"Observation.referenceRange.low", "FHIR.Quantity", "Quantity"},
		{"Observation.status.upper()", "System.String", "String"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := MustCompile(tc.expr).Evaluate(nil, res, defs.R4)
			if err != nil || len(got) != 1 {
				t.Fatalf("got %s, %v", render(got), err)
			}
			if got[0].TypeName() != tc.typeName {
				t.Errorf("TypeName %s, want %s", got[0].TypeName(), tc.typeName)
			}
			v, ok := got[0].Value()
			if !ok || systemTypeName(v) != tc.sys {
				t.Errorf("Value %v (%T), want a %s", v, v, tc.sys)
			}
		})
	}
	if it := SystemItem(3); it.IsNode() || it.TypeName() != "System.Integer" || it.FHIRType() != "" {
		t.Errorf("SystemItem(3) is %s", it.TypeName())
	}
}
