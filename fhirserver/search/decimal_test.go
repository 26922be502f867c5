package search

import (
	"bytes"
	"testing"
)

func TestDecimalOrder(t *testing.T) {
	ordered := []string{"-1e3", "-100.5", "-100", "-0.123", "-0.12", "-0.0001", "0", "0.0001", "0.12", "0.1201", "0.123", "1", "1.5", "9.99", "10", "100", "1e3", "1001"}
	var prev []byte
	for i, s := range ordered {
		d, err := parseDecimal(s)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
		k := appendDecimal(nil, d)
		if i > 0 && bytes.Compare(prev, k) >= 0 {
			t.Errorf("%s does not sort after %s", s, ordered[i-1])
		}
		key, rest, err := readDecimalKey(append(bytes.Clone(k), 'z'))
		if err != nil || !bytes.Equal(key, k) || string(rest) != "z" {
			t.Errorf("readDecimalKey(%s): %v %v %v", s, key, rest, err)
		}
		prev = k
	}
}

func TestDecimalEqualValuesEncodeEqually(t *testing.T) {
	pairs := [][2]string{{"1", "1.0"}, {"100", "1e2"}, {"0.5", "5e-1"}, {"0", "-0.00"}}
	for _, p := range pairs {
		a, _ := parseDecimal(p[0])
		b, _ := parseDecimal(p[1])
		if !bytes.Equal(appendDecimal(nil, a), appendDecimal(nil, b)) {
			t.Errorf("%s and %s encode differently", p[0], p[1])
		}
	}
}

func TestDecimalBounds(t *testing.T) {
	cases := []struct{ in, lo, hi string }{
		{"100", "99.5", "100.5"},
		{"100.00", "99.995", "100.005"},
		{"1e2", "50", "150"}, // one significant digit at 10^2
		{"-2.5", "-2.55", "-2.45"},
	}
	for _, c := range cases {
		d, err := parseDecimal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := d.bounds()
		wantLo, _ := parseDecimal(c.lo)
		wantHi, _ := parseDecimal(c.hi)
		if !bytes.Equal(appendDecimal(nil, lo), appendDecimal(nil, wantLo)) || !bytes.Equal(appendDecimal(nil, hi), appendDecimal(nil, wantHi)) {
			t.Errorf("bounds(%s) = %s..%s, want %s..%s", c.in, lo, hi, c.lo, c.hi)
		}
	}
}

func TestParseDecimalRejects(t *testing.T) {
	for _, s := range []string{"", "-", "1.", ".5", "1e", "abc", "1e999999", "1.2.3", "0x10"} {
		if _, err := parseDecimal(s); err == nil {
			t.Errorf("parseDecimal(%q) accepted", s)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.50", "1e-3", "123456789.000001", "+4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDecimal(s)
		if err != nil {
			return
		}
		k := appendDecimal(nil, d)
		if _, rest, err := readDecimalKey(k); err != nil || len(rest) != 0 {
			t.Fatalf("key of %q does not read back: %v", s, err)
		}
		lo, hi := d.bounds()
		if bytes.Compare(appendDecimal(nil, lo), k) >= 0 || bytes.Compare(k, appendDecimal(nil, hi)) >= 0 {
			t.Fatalf("%q not inside its bounds", s)
		}
	})
}
