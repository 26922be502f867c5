package merge

import (
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

const nhs = "https://fhir.nhs.uk/Id/nhs-number"

func parse(t testing.TB, s string) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

// contributor builds a contributor of the resource's type at minute min
// past a fixed hour.
func contributor(t testing.TB, source, id string, min int, res string) Contributor {
	t.Helper()
	v := parse(t, res)
	return Contributor{
		Source: source, Customer: "cust-" + source, Base: "https://" + source + ".example/fhir",
		Type: v.Str("resourceType"), ID: id, VersionID: "1",
		LastUpdated: time.Date(2026, 12, 2, 10, min, 0, 0, time.UTC),
		Resource:    v,
	}
}

// patient is a Patient with the given identifier values (NHS numbers or
// "system|value").
func patient(ids ...string) string {
	s := `{"resourceType":"Patient","identifier":[`
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		sys, val := nhs, id
		for j := 0; j < len(id); j++ {
			if id[j] == '|' {
				sys, val = id[:j], id[j+1:]
			}
		}
		s += `{"system":"` + sys + `","value":"` + val + `"}`
	}
	return s + `]}`
}

func humanNameGiven(t testing.TB) *defs.Prop {
	t.Helper()
	p := defs.R4.Type("HumanName")
	if p == nil {
		t.Fatal("no HumanName")
	}
	return p.Root.Prop("given")
}
