package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestQuantityPlans(t *testing.T) {
	q, _ := fhirjson.Parse([]byte(`{"value":6.3,"unit":"mmol/l","system":"http://unitsofmeasure.org","code":"mmol/L"}`))
	rng, _ := fhirjson.Parse([]byte(`{"low":{"value":10,"code":"a"},"high":{"value":20,"code":"a"}}`))
	var keys, rkeys [][]byte
	for _, v := range quantityValues([]item{{typ: "Quantity", v: q}}) {
		keys = append(keys, v.keys...)
	}
	for _, v := range quantityValues([]item{{typ: "Range", v: rng}}) {
		rkeys = append(rkeys, v.keys...)
	}
	cases := []struct {
		keys  [][]byte
		query string
		want  bool
	}{
		{keys, "6.3", true},
		{keys, "6.3|http://unitsofmeasure.org|mmol/L", true},
		{keys, "6.3||mmol/L", true},
		{keys, "6.3||mmol/l", true}, // the unit text
		{keys, "6.3|http://unitsofmeasure.org|mg", false},
		{keys, "gt6|http://unitsofmeasure.org|mmol/L", true},
		{keys, "lt6", false},
		{keys, "6.30", true}, // the stored 6.3 lies in [6.295, 6.305)
		{keys, "6.31", false},
		{rkeys, "20||a", true},
		{rkeys, "15||a", false},
	}
	for _, c := range cases {
		p, err := quantityPlan("value-quantity", c.query)
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, k := range c.keys {
			got = got || p.matches(k)
		}
		if got != c.want {
			t.Errorf("value-quantity=%s: %v, want %v", c.query, got, c.want)
		}
	}
	for _, bad := range []string{"6.3|sys|", "6.3|a", "abc", "1|2|3|4"} {
		if _, err := quantityPlan("value-quantity", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSplitUnescapedAndUnescape(t *testing.T) {
	parts := splitUnescaped(`a\,b,c,d\\`, ',')
	if len(parts) != 3 || parts[0] != `a\,b` || parts[2] != `d\\` {
		t.Fatalf("parts %q", parts)
	}
	if got := unescapeValue(`a\,b\$c\|d\\`); got != `a,b$c|d\` {
		t.Errorf("unescape = %q", got)
	}
}
