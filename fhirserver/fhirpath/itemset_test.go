package fhirpath

import (
	"strconv"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestItemSetHash checks the one property the set relies on: items that
// `=` calls equal hash alike, whatever their form.
func TestItemSetHash(t *testing.T) {
	res := mustJSON(t, `{"resourceType":"Observation","valueQuantity":{"value":1.0,"code":"g","system":"http://unitsofmeasure.org"},
		"component":[{"code":{"text":"a","coding":[{"code":"x"}]},"valueInteger":1},{"code":{"coding":[{"code":"x"}],"text":"a"},"valueDecimal":1.00}]}`)
	get := func(expr string) Item {
		t.Helper()
		got, err := MustCompile(expr).Evaluate(nil, res, defs.R4)
		if err != nil || len(got) != 1 {
			t.Fatalf("%s: %v %v", expr, render(got), err)
		}
		return got[0]
	}
	lit := func(expr string) Item { return get(expr) }
	pairs := [][2]Item{
		{lit("1"), lit("1.0")},
		{lit("1"), get("Observation.component[0].value")},
		{lit("@2012-01-01"), lit("@2012-01-01T")},
		{lit("@2012-01-01T10:00:00+02:00"), lit("@2012-01-01T08:00:00Z")},
		{lit("@T10:00:00.000"), lit("@T10:00:00")},
		{get("Observation.component[0].code"), get("Observation.component[1].code")},
		{get("Observation.value"), lit("1000 'mg'")},
		{lit("'a'"), lit("'a'")},
	}
	for i, p := range pairs {
		s := newItemSet()
		if eq, known := itemsEqual(p[0], p[1]); !known || !eq {
			t.Fatalf("%d: test pair is not equal", i)
		}
		if s.hash(p[0]) != s.hash(p[1]) {
			t.Errorf("%d: %s and %s are equal but hash apart", i, p[0], p[1])
		}
		if !s.add(p[0]) || s.add(p[1]) || !s.contains(p[1]) || s.n != 1 {
			t.Errorf("%d: set does not treat %s and %s as one", i, p[0], p[1])
		}
	}
}

// TestLargeCollections runs the de-duplicating functions over tens of
// thousands of items; with pairwise comparison they would take minutes.
func TestLargeCollections(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient","identifier":[`)
	for i := range 20000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"system":"urn:s","value":"` + strconv.Itoa(i%10000) + `"}`)
	}
	b.WriteString(`]}`)
	res := mustJSON(t, b.String())
	tests := []struct {
		expr string
		want int64
	}{
		{"(Patient.identifier | Patient.identifier).count()", 10000},
		{"Patient.identifier.value.distinct().count()", 10000},
		{"Patient.descendants().intersect(Patient.identifier.value).count()", 10000},
		{"Patient.identifier.exclude(Patient.identifier.where(value = '7')).count()", 19998},
		{"Patient.identifier.value.subsetOf(Patient.descendants()).count()", 1},
	}
	for _, tc := range tests {
		got, err := MustCompile(tc.expr).Evaluate(nil, res, defs.R4)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if n, ok := singletonInt(got); !ok || n != tc.want {
			t.Errorf("%s = %s, want %d", tc.expr, render(got), tc.want)
		}
	}
}
