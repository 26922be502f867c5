package mapping

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// PatientAnimal is R4's home for STU3's Patient.animal.
const PatientAnimal = "http://hl7.org/fhir/StructureDefinition/patient-animal"

// patient: animal → the patient-animal extension (species, breed,
// genderStatus as its sub-extensions).
func patient(c *ruleCtx, obj *fhirjson.Value) error {
	animal := obj.Get("animal")
	if animal == nil || animal.Kind != fhirjson.Object {
		return nil
	}
	ext := fhirjson.NewObject()
	ext.Set("url", fhirjson.NewString(PatientAnimal))
	if err := c.m.complex(ext, c.s3.Prop("animal").Children, animal, c.loc+".animal"); err != nil {
		return err
	}
	obj.Delete("animal")
	appendItems(obj, "extension", []*fhirjson.Value{ext})
	return nil
}
