package fhirjson

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in      string
		want    Decimal
		invalid bool // not a decimal at all
		outside bool // a decimal outside the supported range
	}{
		{in: "0", want: Decimal{Digits: "0"}},
		{in: "1.50", want: Decimal{Digits: "150", Scale: 2}},
		{in: "-3", want: Decimal{Neg: true, Digits: "3"}},
		{in: "+4", want: Decimal{Digits: "4"}},
		{in: "1e3", want: Decimal{Digits: "1", Scale: -3}},
		{in: "2.5E-3", want: Decimal{Digits: "25", Scale: 4}},
		{in: "1e4000", want: Decimal{Digits: "1", Scale: -4000}},
		{in: "9.99e4000", want: Decimal{Digits: "999", Scale: -3998}},
		{in: "1e-4000", want: Decimal{Digits: "1", Scale: 4000}},
		{in: "0.01e-3998", want: Decimal{Digits: "001", Scale: 4000}},
		{in: "1e2147483648", outside: true},
		{in: "-1e9223372036854775809", outside: true},
		{in: "10e4000", outside: true},
		{in: "1e4001", outside: true},
		{in: "0.1e-4000", outside: true},
		{in: "1e-4001", outside: true},
		{in: "1e99999999999999999999999", outside: true},
		{in: "1" + strings.Repeat("0", MaxDecimalDigits), outside: true},
		{in: "0." + strings.Repeat("0", MaxDecimalDigits), outside: true},
		// Zero is zero whatever its exponent; the precision is clamped.
		{in: "0e99999999999999999999", want: Decimal{Digits: "0", Scale: -(MaxDecimalExponent + 2)}},
		{in: "-0.0e-99999999999999999999", want: Decimal{Neg: true, Digits: "00", Scale: MaxDecimalExponent + 2}},
		{in: "0e5", want: Decimal{Digits: "0", Scale: -5}},
		{in: "", invalid: true},
		{in: "-", invalid: true},
		{in: "1.", invalid: true},
		{in: ".5", invalid: true},
		{in: "1e", invalid: true},
		{in: "1e+-3", invalid: true},
		{in: "1.2.3", invalid: true},
		{in: "0x10", invalid: true},
		{in: "1e3.5", invalid: true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDecimal(c.in)
			switch {
			case c.invalid:
				if err == nil || errors.Is(err, ErrDecimalRange) {
					t.Fatalf("got %+v, %v; want a syntax error", got, err)
				}
			case c.outside:
				if !errors.Is(err, ErrDecimalRange) {
					t.Fatalf("got %+v, %v; want ErrDecimalRange", got, err)
				}
			case err != nil:
				t.Fatal(err)
			case got != c.want:
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestDecimalRangeMessageIsShort(t *testing.T) {
	_, err := ParseDecimal(strings.Repeat("9", 5000))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error %q: want a short message", err)
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.50", "1e-3", "0e99999999999999999999", "1e2147483648", "+4", "9.99e4000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		if d.Digits == "" || len(d.Digits) > MaxDecimalDigits || !allDigits(d.Digits) {
			t.Fatalf("%q: digits %q", s, d.Digits)
		}
		// Every accepted non-zero value lies in range, so its leading digit
		// sits within ±MaxDecimalExponent.
		if !d.IsZero() {
			lead := len(d.Digits) - len(strings.TrimLeft(d.Digits, "0"))
			if x := len(d.Digits) - lead - 1 - d.Scale; x > MaxDecimalExponent || x < -MaxDecimalExponent {
				t.Fatalf("%q accepted with exponent %d", s, x)
			}
		} else if d.Scale > MaxDecimalExponent+2 || d.Scale < -(MaxDecimalExponent+2) {
			t.Fatalf("%q: zero with scale %d", s, d.Scale)
		}
	})
}
