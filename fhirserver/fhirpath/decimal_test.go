package fhirpath

import "testing"

// TestDecimal checks exact decimal arithmetic and that the written scale
// survives: FHIR requires 1.50 to stay 1.50.
func TestDecimal(t *testing.T) {
	d := func(s string) Decimal {
		t.Helper()
		v, err := ParseDecimal(s)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", s, err)
		}
		return v
	}
	tests := []struct{ name, got, want string }{
		{"keeps scale", d("1.50").String(), "1.50"},
		{"exponent", d("1.5e2").String(), "150"},
		{"negative exponent", d("15e-3").String(), "0.015"},
		{"add", d("0.1").add(d("0.2")).String(), "0.3"},
		{"sub scale", d("1.25").sub(d("1")).String(), "0.25"},
		{"mul scale", d("1.5").mul(d("1.5")).String(), "2.25"},
		{"div exact", mustDiv(t, d("1"), d("4")).String(), "0.25"},
		{"div repeating", mustDiv(t, d("2"), d("3")).String(), "0.66666667"},
		{"round half up", d("2.345").roundTo(2).String(), "2.35"},
		{"round negative", d("-2.5").roundTo(0).String(), "-3"},
		{"neg", d("1.0").neg().String(), "-1.0"},
		{"floor negative", d("-1.5").floorInt().String(), "-2"},
		{"trunc negative", d("-1.5").truncInt().String(), "-1"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	if d("1.0").Cmp(d("1")) != 0 || d("0.3").Cmp(d("0.30000000000000001")) >= 0 {
		t.Error("comparison is not exact")
	}
	if _, ok := d("1").div(d("0.0")); ok {
		t.Error("division by zero must fail")
	}
	if _, err := ParseDecimal("1.2.3"); err == nil {
		t.Error("ParseDecimal accepted 1.2.3")
	}
	if DecimalFromInt(-4).String() != "-4" || d("2.50").Scale() != 2 || d("2.5").Rat().String() != "5/2" {
		t.Error("accessors disagree")
	}
}

func mustDiv(t *testing.T, a, b Decimal) Decimal {
	t.Helper()
	q, ok := a.div(b)
	if !ok {
		t.Fatal("unexpected division failure")
	}
	return q
}

// TestParseDecimalSharesTheRange: the literal rule is fhirjson's, so a zero
// with any exponent is zero and out-of-range values are refused (big.Rat
// alone failed on the first and built 10^999999 for 1e999999).
func TestParseDecimalSharesTheRange(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"0e99999999999999999999", "0", true},
		{"1.50", "1.50", true},
		{"1e3", "1000", true},
		{"2.5e-3", "0.0025", true},
		{"1e2147483648", "", false},
		{"1e999999", "", false},
		{"1/2", "", false},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseDecimal(%q): %v", c.in, err)
			continue
		}
		if c.ok && d.String() != c.want {
			t.Errorf("ParseDecimal(%q) = %s, want %s", c.in, d, c.want)
		}
		if c.ok && c.want == "0" && d.Rat().Sign() != 0 {
			t.Errorf("ParseDecimal(%q) is not zero", c.in)
		}
	}
}
