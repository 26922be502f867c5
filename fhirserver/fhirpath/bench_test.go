package fhirpath

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// benchObservation is a typical 2 KB Observation (vital signs panel style).
const benchObservation = `{
  "resourceType": "Observation",
  "id": "blood-pressure",
  "meta": {"versionId": "3", "lastUpdated": "2024-05-01T10:00:00Z", "profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"]},
  "identifier": [{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:187e0c12-8dd2-67e2-99b2-bf273c878281"}],
  "basedOn": [{"identifier": {"system": "https://acme.org/identifiers", "value": "1234"}}],
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel with all children optional"}], "text": "Blood pressure systolic & diastolic"},
  "subject": {"reference": "Patient/example"},
  "encounter": {"reference": "Encounter/example"},
  "effectiveDateTime": "2012-09-17",
  "issued": "2012-09-17T10:00:00.000+02:00",
  "performer": [{"reference": "Practitioner/example"}],
  "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "L", "display": "low"}], "text": "Below low normal"}],
  "bodySite": {"coding": [{"system": "http://snomed.info/sct", "code": "368209003", "display": "Right arm"}]},
  "component": [
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic blood pressure"}]},
     "valueQuantity": {"value": 107, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
     "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N", "display": "normal"}]}]},
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic blood pressure"}]},
     "valueQuantity": {"value": 60, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
     "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "L", "display": "low"}]}]}
  ]
}`

func benchEval(b *testing.B, src string, want int) {
	res := mustJSON(b, benchObservation)
	e := MustCompile(src)
	env := &Env{Resolve: typeOnlyResolver}
	defs.R4.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		got, err := e.Evaluate(env, res, defs.R4)
		if err != nil || len(got) != want {
			b.Fatalf("got %d items, %v; want %d", len(got), err, want)
		}
	}
}

func BenchmarkEvalCode(b *testing.B) { benchEval(b, "Observation.code", 1) }

func BenchmarkEvalSubjectResolve(b *testing.B) {
	benchEval(b, "Observation.subject.where(resolve() is Patient)", 1)
}

func BenchmarkEvalValueQuantity(b *testing.B) {
	benchEval(b, "(Observation.value as Quantity) | (Observation.component.value as Quantity)", 2)
}

func BenchmarkEvalComponentCodeValue(b *testing.B) {
	benchEval(b, "Observation.component.where(code.coding.where(system = 'http://loinc.org' and code = '8480-6').exists()).value", 1)
}

func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("Observation.component.where(code.coding.exists()).value.ofType(Quantity) | Observation.subject.where(resolve() is Patient)"); err != nil {
			b.Fatal(err)
		}
	}
}
