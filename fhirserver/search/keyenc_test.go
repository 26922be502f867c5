package search

import (
	"bytes"
	"math"
	"sort"
	"strings"
	"testing"
)

func TestStrOrderAndRoundTrip(t *testing.T) {
	in := []string{"", "a", "a\x00", "a\x00b", "ab", "b", "\x00", "\xff", "a\x01"}
	enc := make([][]byte, len(in))
	for i, s := range in {
		enc[i] = appendStr(nil, s)
		got, rest, err := readStr(append(enc[i], 'z'))
		if err != nil || got != s || string(rest) != "z" {
			t.Fatalf("round trip %q: got %q rest %q err %v", s, got, rest, err)
		}
	}
	sorted := append([]string(nil), in...)
	sort.Strings(sorted)
	idx := make([]int, len(in))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return bytes.Compare(enc[idx[a]], enc[idx[b]]) < 0 })
	for i, j := range idx {
		if in[j] != sorted[i] {
			t.Fatalf("order differs at %d: encoded order gives %q, string order %q", i, in[j], sorted[i])
		}
	}
}

func TestStrPrefixCoversExtensions(t *testing.T) {
	p := appendStrPrefix([]byte{'n'}, "smi")
	for _, s := range []string{"smi", "smith", "smi\x00x"} {
		if !bytes.HasPrefix(appendStr([]byte{'n'}, s), p) {
			t.Errorf("%q does not start with prefix of smi", s)
		}
	}
	if bytes.HasPrefix(appendStr([]byte{'n'}, "sm"), p) {
		t.Errorf("sm must not match prefix smi")
	}
}

func TestI64Order(t *testing.T) {
	vals := []int64{math.MinInt64, -5, -1, 0, 1, 7, math.MaxInt64}
	for i := 1; i < len(vals); i++ {
		a, b := appendI64(nil, vals[i-1]), appendI64(nil, vals[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("%d does not sort before %d", vals[i-1], vals[i])
		}
		if v, _, err := readI64(b); err != nil || v != vals[i] {
			t.Errorf("round trip %d: %d %v", vals[i], v, err)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct{ in, want []byte }{
		{[]byte{1, 2}, []byte{1, 3}},
		{[]byte{1, 0xff}, []byte{2}},
		{[]byte{0xff}, nil},
	}
	for _, c := range cases {
		if got := prefixEnd(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("prefixEnd(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestReadStrMalformed(t *testing.T) {
	for _, b := range [][]byte{{'a'}, {'a', 0}, {0, 5}} {
		if _, _, err := readStr(b); err == nil {
			t.Errorf("readStr(%v) accepted malformed input", b)
		}
	}
}

// TestAppendStrBytes: appendStr writes exactly the escaped form, with and
// without NULs, after whatever the destination already holds.
func TestAppendStrBytes(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"", "\x00\x01"},
		{"smith", "smith\x00\x01"},
		{"\x00", "\x00\xff\x00\x01"},
		{"a\x00b", "a\x00\xffb\x00\x01"},
		{"\x00\x00x\x00", "\x00\xff\x00\xffx\x00\xff\x00\x01"},
		{"\xff\x01", "\xff\x01\x00\x01"},
		{strings.Repeat("long ", 40), strings.Repeat("long ", 40) + "\x00\x01"},
	} {
		for _, dst := range [][]byte{nil, {'c'}, make([]byte, 3, 64)} {
			want := append(append([]byte(nil), dst...), tc.want...)
			if got := appendStr(append([]byte(nil), dst...), tc.s); !bytes.Equal(got, want) {
				t.Errorf("appendStr(%q, %q) = %q, want %q", dst, tc.s, got, want)
			}
			if back, rest, err := readStr(want[len(dst):]); err != nil || back != tc.s || len(rest) != 0 {
				t.Errorf("readStr of %q: %q, %q, %v", tc.s, back, rest, err)
			}
		}
	}
}
