package search

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
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
		// Issue 15: zero is zero whatever its exponent, and the range
		// edges compare like any other value.
		{"0e99999999999999999999", "eq0", true},
		{"0e99999999999999999999", "0", true},
		{"-0.0e-99999999999999999999", "eq0", true},
		{"0e99999999999999999999", "gt0", false},
		{"0", "eq0e99999999999999999999", true},
		{"1e4000", "eq0e99999999999999999999", true},
		{"1e-4000", "eq0e-99999999999999999999", false},
		{"1e4000", "gt100", true},
		{"9.99e4000", "gt1e4000", true},
		{"-1e4000", "lt-9e3999", true},
		{"1e-4000", "gt0", true},
		{"1e-4000", "lt1e-3999", true},
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

// TestNumberPlanOutOfRange: a query value outside the supported decimal
// range is a 400 naming the parameter, not a comparison that silently
// misses (or matches) what the index holds.
func TestNumberPlanOutOfRange(t *testing.T) {
	for _, v := range []string{"gt1e999999999999", "1e2147483648", "lt-1e9223372036854775809", "ge1e4001", "1e-4001"} {
		_, err := quantityPlan("value-quantity", v)
		oe, ok := outcome.As(err)
		if !ok || oe.Status != http.StatusBadRequest || len(oe.Issues) != 1 || len(oe.Issues[0].Expression) != 1 || oe.Issues[0].Expression[0] != "value-quantity" {
			t.Errorf("%s: got %v, want a 400 naming value-quantity", v, err)
			continue
		}
		if !strings.Contains(oe.Issues[0].Diagnostics, "range") {
			t.Errorf("%s: diagnostics %q do not mention the range", v, oe.Issues[0].Diagnostics)
		}
	}
}

// FuzzNumberFoundByItself: every decimal the index accepts is found by an
// equality search for its own literal, as number and as quantity.
func FuzzNumberFoundByItself(f *testing.F) {
	for _, s := range []string{"0", "100", "-1.50", "1e4000", "-9.99e4000", "1e-4000", "0e99999999999999999999", "-0.0e-99999999999999999999", "0.01e-3998"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lit string) {
		vals := numberValues([]item{{v: fhirjson.NewNumber(lit)}})
		if len(vals) == 0 {
			if _, err := numberPlan("n", "eq"+lit); err == nil {
				t.Fatalf("%q is searchable but was not indexed", lit)
			}
			return
		}
		for _, q := range []string{lit, "eq" + lit, "ge" + lit, "le" + lit, "ap" + lit} {
			p, err := numberPlan("n", q)
			if err != nil {
				t.Fatalf("%q indexed but %q refused: %v", lit, q, err)
			}
			if !p.matches(vals[0].keys[0]) {
				t.Fatalf("%q not found by %q", lit, q)
			}
		}
		qv := quantityValues([]item{{v: fhirjson.NewNumber(lit)}})
		p, err := quantityPlan("q", lit)
		if err != nil || len(qv) == 0 || !p.matches(qv[0].keys[0]) {
			t.Fatalf("quantity %q not found by itself: %v", lit, err)
		}
	})
}
