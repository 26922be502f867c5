package merge

import (
	"strconv"
	"testing"
)

// BenchmarkMerge merges the valid official Patient examples (a group far
// larger than a real one: a person is seen by a few sources).
func BenchmarkMerge(b *testing.B) {
	cs := officialContributors(b, validator(b), "Patient")
	b.ReportAllocs()
	for b.Loop() {
		Merge("Patient", cs)
	}
	b.ReportMetric(float64(len(cs)), "contributors")
}

// BenchmarkMergeThree merges three sources' views of one patient, the
// common case.
func BenchmarkMergeThree(b *testing.B) {
	cs := []Contributor{
		contributor(b, "gp", "1", 3, `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"extension":[{"url":"urn:a","valueString":"gp"}],
			"name":[{"family":"Gp","given":["Ann"]}],"gender":"female","birthDate":"1970-01-01","telecom":[{"system":"phone","value":"0123"}]}`),
		contributor(b, "lab", "2", 1, `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"},{"system":"urn:lab","value":"9"}],
			"name":[{"family":"Gp","given":["Ann"]}],"address":[{"line":["1 High St"],"city":"Leeds"}]}`),
		contributor(b, "hosp", "3", 2, `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"extension":[{"url":"urn:a","valueString":"h"}],
			"name":[{"family":"Smith","given":["Ann"]}],"gender":"female","maritalStatus":{"text":"M"}}`),
	}
	b.ReportAllocs()
	for b.Loop() {
		Merge("Patient", cs)
	}
}

// BenchmarkGroupsPut adds patients that chain into groups of four.
func BenchmarkGroupsPut(b *testing.B) {
	const n = 1000
	cs := make([]Contributor, n)
	for i := range cs {
		cs[i] = contributor(b, "s"+strconv.Itoa(i%4), strconv.Itoa(i), 0,
			patient("urn:x|"+strconv.Itoa(i/4), "urn:y|"+strconv.Itoa(i)))
	}
	b.ReportAllocs()
	for b.Loop() {
		g := NewGroups()
		for _, c := range cs {
			g.Put(c)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/put")
}
