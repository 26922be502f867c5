package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestNumberPlans(t *testing.T) {
	key := func(lit string) []byte {
		vals := numberValues([]item{{v: fhirjson.NewNumber(lit)}})
		if len(vals) != 1 {
			t.Fatalf("%s: %d values", lit, len(vals))
		}
		return vals[0].keys[0]
	}
	cases := []struct {
		stored, query string
		want          bool
	}{
		{"100", "100", true},
		{"100.4", "100", true},
		{"100.5", "100", false},
		{"99.5", "100", true},
		{"100.004", "100.00", true},
		{"100.006", "100.00", false},
		{"100", "ne100", false},
		{"101", "ne100", true},
		{"101", "gt100", true},
		{"100", "gt100", false},
		{"100", "ge100", true},
		{"99", "lt100", true},
		{"100", "le100", true},
		{"100.1", "le100", false},
		{"109", "ap100", true},
		{"111", "ap100", false},
		{"-5", "lt0", true},
		{"0.02", "eq0.02", true},
		{"0.025", "0.02", false},
	}
	for _, c := range cases {
		p, err := numberPlan("probability", c.query)
		if err != nil {
			t.Fatal(err)
		}
		neg := p.negate
		p.negate = false
		if got := p.matches(key(c.stored)) != neg; got != c.want {
			t.Errorf("%s matches %s: %v, want %v", c.stored, c.query, got, c.want)
		}
	}
	for _, bad := range []string{"xx100", "gt", "1.2.3", "zz"} {
		if _, err := numberPlan("probability", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
