package rules

import (
	"os"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// patientData returns the official R4 examples of the types the
// aggregator exists for: those in the Patient compartment, and Patient
// itself (the definitions say which; conformance resources such as
// StructureDefinitions are not patient data and would dominate by size).
func patientData(b *testing.B) []*fhirjson.Value {
	b.Helper()
	comp := defs.R4.Compartment("Patient")
	var out []*fhirjson.Value
	for _, f := range r4Examples(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		v, err := fhirjson.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		rt := v.Str("resourceType")
		if rt == "Patient" || len(comp.Params(rt)) > 0 {
			out = append(out, v)
		}
	}
	if len(out) < 100 {
		b.Fatalf("only %d patient-data examples", len(out))
	}
	return out
}

// BenchmarkCheck checks the official patient-data examples one after
// another and reports resources/s (one goroutine, so per core). The first
// round makes the documented rewrites; later rounds find nothing left to
// rewrite, as a resource seen again would.
func BenchmarkCheck(b *testing.B) {
	res := patientData(b)
	c := New(Config{SourceBase: "http://hl7.org/fhir"})
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, v := range res {
			if _, err := c.Check(v); err != nil {
				b.Fatal(err)
			}
		}
		n += len(res)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "resources/s")
	b.ReportMetric(float64(len(res)), "resources/op")
}
