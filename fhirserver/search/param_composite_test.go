package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

func TestComposite(t *testing.T) {
	f := smallStore(t, defs.R4,
		`{"resourceType":"Observation","id":"bp","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
		  "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
		               {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}`,
		`{"resourceType":"Observation","id":"glu","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"15074-8"}]},"valueQuantity":{"value":6.3,"code":"mmol/L","system":"http://unitsofmeasure.org"}}`,
		`{"resourceType":"Observation","id":"eye","status":"final","code":{"coding":[{"system":"http://snomed.info/sct","code":"363953003"}]},"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"371246006"}]}}`,
	)
	expect(t, f, "Observation", "component-code-value-quantity=http://loinc.org|8480-6$120", "Observation/bp")
	expect(t, f, "Observation", "component-code-value-quantity=8480-6$gt100", "Observation/bp")
	// The tuple keeps components together: 8480-6 is 120, not 80.
	expect(t, f, "Observation", "component-code-value-quantity=8480-6$80")
	expect(t, f, "Observation", "component-code-value-quantity=8462-4$80|http://unitsofmeasure.org|mm[Hg]", "Observation/bp")
	expect(t, f, "Observation", "code-value-quantity=15074-8$le6.3", "Observation/glu")
	expect(t, f, "Observation", "code-value-concept=363953003$http://snomed.info/sct|371246006", "Observation/eye")
	expect(t, f, "Observation", "code-value-concept=363953003$other")
}

// TestCompositeOneTuplePerValue: a tuple holds one value of each
// component with all of that value's keys, so a code with a quantity is one
// entry however many forms either can be searched by, and every form still
// finds it.
func TestCompositeOneTuplePerValue(t *testing.T) {
	obs := `{"resourceType":"Observation","id":"w","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
	  "valueQuantity":{"value":72.5,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}`
	f := smallStore(t, defs.R4, obs)
	n := 0
	for _, en := range entriesOf(t, f.e, obs) {
		if en.Param == "code-value-quantity" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("code-value-quantity has %d entries, want 1", n)
	}
	for _, q := range []string{"29463-7$72.5", "http://loinc.org|29463-7$72.5", "29463-7$72.5|http://unitsofmeasure.org|kg",
		"29463-7$72.5||kg", "http://loinc.org|29463-7$gt70", "29463-7$ge72.5|http://unitsofmeasure.org|kg"} {
		expect(t, f, "Observation", "code-value-quantity="+q, "Observation/w")
	}
	for _, q := range []string{"29463-7$72", "http://snomed.info/sct|29463-7$72.5", "29463-7$72.5|http://unitsofmeasure.org|g", "8480-6$72.5", "29463-7$lt70"} {
		expect(t, f, "Observation", "code-value-quantity="+q)
	}
}
