package mapping

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// BenchmarkMapSTU3 maps the official STU3 examples of the listed types in
// turn on one goroutine, so resources/s is the rate of one core (issue 9
// asks mapping + rules ≥ 10,000/s per core).
func BenchmarkMapSTU3(b *testing.B) {
	var mix []*fhirjson.Value
	for _, ex := range stu3Examples(b) {
		if isListed(ex.res.Str("resourceType")) {
			mix = append(mix, ex.res)
		}
	}
	m := New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.STU3ToR4(mix[i%len(mix)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "resources/s")
}
