package rules_test

import (
	"fmt"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func ExampleChecker_Check() {
	c := rules.New(rules.Config{SourceBase: "https://acme-gp.example/fhir"})
	res, _ := fhirjson.Parse([]byte(`{"resourceType":"Condition",
		"subject":{"reference":"https://acme-gp.example/fhir/Patient/123"},
		"asserter":{"reference":"https://other.example/fhir/Practitioner/9"},
		"extension":[{"url":"http://example.org/x","valueIdentifier":{"value":"42"}}]}`))
	r, err := c.Check(res)
	if err != nil {
		panic(err)
	}
	fmt.Println("excluded:", r.Excluded)
	for _, v := range r.Violations {
		fmt.Println(v.Rule, v.Expression)
	}
	for _, ref := range r.References {
		fmt.Println("refers to", ref.Type+"/"+ref.ID, "at", ref.Expression)
	}
	fmt.Println(res.Get("subject").Str("reference"))
	// Output:
	// excluded: true
	// reference-cross-server Condition.asserter
	// identifier-incomplete Condition.extension[0].valueIdentifier.system
	// refers to Patient/123 at Condition.subject
	// Patient/123
}
