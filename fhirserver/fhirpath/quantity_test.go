package fhirpath

import "testing"

// TestQuantityUnits checks which units compare and how calendar keywords
// relate to UCUM: week..millisecond equal their UCUM codes, year and
// month do not.
func TestQuantityUnits(t *testing.T) {
	q := func(v, u string) Quantity {
		d, err := ParseDecimal(v)
		if err != nil {
			t.Fatal(err)
		}
		return Quantity{Value: d, Unit: u}
	}
	tests := []struct {
		a, b Quantity
		ok   bool
		cmp  int
	}{
		{q("1", "g"), q("1000", "mg"), true, 0},
		{q("1", "kg"), q("999", "g"), true, 1},
		{q("2", "day"), q("48", "h"), true, 0},
		{q("1", "week"), q("7", "d"), true, 0},
		{q("1", "year"), q("1", "a"), false, 0},
		{q("1", "year"), q("12", "month"), false, 0},
		{q("1", "mm[Hg]"), q("1", "mm[Hg]"), true, 0},
		{q("1", "g"), q("1", "m"), false, 0},
		{q("3", ""), q("3", "1"), true, 0},
	}
	for i, tc := range tests {
		a, b, ok := commensurable(tc.a, tc.b)
		if ok != tc.ok || (ok && a.Cmp(b) != tc.cmp) {
			t.Errorf("%d: %s vs %s: got ok=%v", i, tc.a, tc.b, ok)
		}
	}
	if s := q("5", "mg").String(); s != "5 'mg'" {
		t.Errorf("String: %s", s)
	}
	if s := q("2", "day").String(); s != "2 day" {
		t.Errorf("String: %s", s)
	}
}
