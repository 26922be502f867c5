package fhirpath

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

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
	var none *defs.Version
	got, err = evalString(t, "Observation.status", testObservation, none)
	if err != nil || got != "[final]" {
		t.Fatalf("typed nil model: got %s, %v", got, err)
	}
}

// TestSTU3 evaluates STU3 forms: the function form as(), and the published
// `as(Uri)` that names the primitive uri with a capital letter.
func TestSTU3(t *testing.T) {
	cm := `{"resourceType":"ConceptMap","sourceUri":"http://a","targetCanonical":"http://b"}`
	cond := `{"resourceType":"Condition","abatementAge":{"value":5,"unit":"a"},"onsetString":"x"}`
	tests := []struct{ expr, res, want string }{
		{"ConceptMap.source.as(Uri)", cm, "[http://a]"},
		{"ConceptMap.source.as(uri)", cm, "[http://a]"},
		{"ConceptMap.source.as(String)", cm, "[]"},
		{"Condition.abatement.as(Age).value", cond, "[5]"},
		{"Condition.abatement is Quantity", cond, "[true]"},
		{"Condition.onset.as(Age)", cond, "[]"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := evalString(t, tc.expr, tc.res, defs.STU3)
			if err != nil || got != tc.want {
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
