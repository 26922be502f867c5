package fhirpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

const testPatient = `{
  "resourceType": "Patient",
  "id": "example",
  "extension": [{"url": "http://example.org/ext/eye", "valueCode": "blue"}],
  "active": true,
  "name": [
    {"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
    {"use": "usual", "given": ["Jim"]},
    {"use": "maiden", "family": "Windsor", "given": ["Peter", "James"], "period": {"end": "2002"}}
  ],
  "telecom": [{"system": "phone", "value": "(03) 5555 6473", "use": "work", "rank": 1}],
  "gender": "male",
  "birthDate": "1974-12-25",
  "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime", "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
  "deceasedBoolean": false,
  "contained": [{"resourceType": "Organization", "id": "org1", "name": "Acme"}],
  "managingOrganization": {"reference": "#org1"},
  "generalPractitioner": [{"reference": "Practitioner/p1"}, {"reference": "http://example.org/fhir/Organization/o2/_history/3"}]
}`

const testObservation = `{
  "resourceType": "Observation",
  "id": "o1",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body Weight"}]},
  "subject": {"reference": "Patient/example"},
  "effectiveDateTime": "2016-03-28",
  "valueQuantity": {"value": 67.50, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
  "component": [
    {"code": {"text": "a"}, "valueString": "x"},
    {"code": {"text": "b"}, "valueQuantity": {"value": 1.0, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"}}
  ]
}`

func evalString(t *testing.T, expr, resource string, m Model) (string, error) {
	t.Helper()
	e, err := Compile(expr)
	if err != nil {
		return "", err
	}
	var res = mustJSON(t, resource)
	got, err := e.Evaluate(nil, res, m)
	if err != nil {
		return "", err
	}
	return render(got), nil
}

// TestPaths covers navigation: type prefixes, choice elements through the
// model, primitive extensions, indexers and contained resources.
func TestPaths(t *testing.T) {
	tests := []struct{ expr, res, want string }{
		{"Patient.name.given", testPatient, "[Peter, James, Jim, Peter, James]"},
		{"name.given", testPatient, "[Peter, James, Jim, Peter, James]"},
		{"Observation.name", testPatient, "[]"},
		{"Resource.id", testPatient, "[example]"},
		{"DomainResource.id", testPatient, "[example]"},
		{"Patient.name[1].given", testPatient, "[Jim]"},
		{"Patient.name[5]", testPatient, "[]"},
		{"Patient.name.given[0]", testPatient, "[Peter]"},
		{"Patient.deceased", testPatient, "[false]"},
		{"Patient.birthDate", testPatient, "[1974-12-25]"},
		{"Patient.birthDate.extension.url", testPatient, "[http://hl7.org/fhir/StructureDefinition/patient-birthTime]"},
		{"Patient.birthDate.extension('http://hl7.org/fhir/StructureDefinition/patient-birthTime').value", testPatient, "[1974-12-25T14:35:45-05:00]"},
		{"Patient.extension('http://example.org/ext/eye').value", testPatient, "[blue]"},
		{"Patient.contained.name", testPatient, "[Acme]"},
		{"Patient.contained.ofType(Organization).id", testPatient, "[org1]"},
		{"Observation.value", testObservation, "[Quantity@Observation.valueQuantity]"},
		{"Observation.value.value", testObservation, "[67.50]"},
		{"Observation.component.value", testObservation, "[x, Quantity@Observation.component[1].valueQuantity]"},
		{"Observation.effective", testObservation, "[2016-03-28]"},
		{"`Observation`.`status`", testObservation, "[final]"},
		{"Observation.code.coding.where(system = %loinc).code", testObservation, "[29463-7]"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := evalString(t, tc.expr, tc.res, defs.R4)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestTypes covers is, as, ofType and the STU3 function forms.
func TestTypes(t *testing.T) {
	tests := []struct{ expr, res, want string }{
		{"Observation.value is Quantity", testObservation, "[true]"},
		{"Observation.value is FHIR.Quantity", testObservation, "[true]"},
		{"Observation.value is System.Quantity", testObservation, "[false]"},
		{"Observation.value is string", testObservation, "[false]"},
		{"(Observation.value as Quantity).value", testObservation, "[67.50]"},
		{"Observation.value.as(Quantity).unit", testObservation, "[kg]"},
		{"Observation.value.is(Quantity)", testObservation, "[true]"},
		{"Observation.component.value.ofType(string)", testObservation, "[x]"},
		{"Observation.component.value.ofType(Quantity).value", testObservation, "[1.0]"},
		{"Observation.status is code", testObservation, "[true]"},
		{"Observation.status is string", testObservation, "[true]"},
		{"Observation.status is String", testObservation, "[false]"},
		{"Observation is DomainResource", testObservation, "[true]"},
		{"Observation is Resource", testObservation, "[true]"},
		{"Observation is Patient", testObservation, "[false]"},
		{"Observation.subject.where(resolve() is Patient).reference", testObservation, "[Patient/example]"},
		{"Observation.subject.where(resolve() is Group)", testObservation, "[]"},
		{"Patient.managingOrganization.resolve().name", testPatient, "[Acme]"},
		{"Patient.generalPractitioner.resolve().ofType(Organization).exists()", testPatient, "[true]"},
		{"Patient.generalPractitioner.where(resolve() is Practitioner).count()", testPatient, "[1]"},
		{"1 is Integer", testPatient, "[true]"},
		{"1.0 is System.Decimal", testPatient, "[true]"},
		{"'a' is String", testPatient, "[true]"},
		{"@2015 is Date", testPatient, "[true]"},
		{"@2015T is DateTime", testPatient, "[true]"},
		{"@T10:00 is Time", testPatient, "[true]"},
		{"5 'mg' is Quantity", testPatient, "[true]"},
		{"Patient.gender.type().name", testPatient, "[code]"},
		{"1.type().namespace", testPatient, "[System]"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := evalString(t, tc.expr, tc.res, defs.R4)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestUntyped evaluates without a model: exact names work, choice
// elements need their JSON name.
func TestUntyped(t *testing.T) {
	got, err := evalString(t, "Observation.valueQuantity.value + 1", testObservation, nil)
	if err != nil || got != "[68.50]" {
		t.Fatalf("got %s, %v", got, err)
	}
	got, err = evalString(t, "Observation.value", testObservation, nil)
	if err != nil || got != "[]" {
		t.Fatalf("got %s, %v", got, err)
	}
}

// TestSyntaxErrors checks that malformed expressions are rejected with the
// position of the mistake.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int
		msg  string
	}{
		{"", 0, "empty expression"},
		{"Patient.", 8, "expected a name"},
		{"Patient.name.where(", 19, "unexpected end"},
		{"Patient.name.foo()", 13, "unknown function foo()"},
		{"Patient.name.where()", 13, "where() takes 1 argument"},
		{"'abc", 0, "unterminated string"},
		{"Patient.name )", 13, "unexpected \")\""},
		{"1 +", 3, "unexpected end"},
		{"a # b", 2, "unexpected character"},
		{"$foo", 0, "unknown special variable"},
		{"@20x", 0, "invalid date/time literal"},
		{"x.ofType(1)", 2, "needs a type name"},
		{"x is 5", 5, "expected a type name"},
		{"(1", 2, "expected \")\""},
		{"/* open", 0, "unterminated comment"},
		{strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), 200, "nested more than 200 deep"},
		{strings.Repeat("-", 300) + "1", 199, "nested more than 200 deep"},
		{"a" + strings.Repeat(".a", 1200), 2003, "path longer than 1000 steps"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := Compile(tc.expr)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("want SyntaxError, got %v", err)
			}
			if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("got %q at %d, want %q at %d", se.Msg, se.Pos, tc.msg, tc.pos)
			}
		})
	}
}

// TestEvalErrors checks the runtime errors the spec asks for.
func TestEvalErrors(t *testing.T) {
	tests := []struct{ expr, msg string }{
		{"Patient.name.given.substring(1)", "single input item"},
		{"Patient.name.given + 'x'", "needs single items"},
		{"Patient.name.given.first() < 1", "cannot compare"},
		{"%nope", "unknown variable %nope"},
		{"Patient.name.where(given)", "expected a single boolean"},
		{"'a'.matches('(')", "invalid regular expression"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := evalString(t, tc.expr, testPatient, defs.R4)
			var ee *EvalError
			if !errors.As(err, &ee) || !strings.Contains(ee.Msg, tc.msg) {
				t.Fatalf("want EvalError containing %q, got %v", tc.msg, err)
			}
		})
	}
}

// TestLocation checks that nodes report where they sit, which FHIRPath
// Patch needs to change them.
func TestLocation(t *testing.T) {
	res := mustJSON(t, testPatient)
	tests := []struct {
		expr, member string
		index        int
		parentHas    string
	}{
		{"Patient.name[1].given[0]", "given", 0, "use"},
		{"Patient.gender", "gender", -1, "birthDate"},
		{"Patient.deceased", "deceasedBoolean", -1, "gender"},
		{"Patient.birthDate.extension", "extension", 0, "extension"},
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

// TestLimits checks the guards against hostile input: integer overflow is
// empty, huge powers go through float.
func TestLimits(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"9223372036854775807 + 1", "[]"}, {"-9223372036854775807 - 2", "[]"}, {"4611686018427387904 * 2", "[]"},
		{"2.power(62)", "[4611686018427387904]"}, {"1.power(1000000000)", "[1]"},
	})
}
