package storage

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestEscapedOrderMatchesRawOrder(t *testing.T) {
	values := [][]byte{
		{}, {0}, {0, 0}, {0, 1}, {0, 0xff}, {1}, []byte("a"), []byte("a\x00"), []byte("a\x00b"),
		[]byte("a\x01"), []byte("ab"), []byte("b"), {0xff}, {0xff, 0}, {0xff, 0xff},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		v := make([]byte, r.IntN(5))
		for i := range v {
			v[i] = []byte{0, 1, 'a', 0xfe, 0xff}[r.IntN(5)]
		}
		values = append(values, v)
	}
	for _, a := range values {
		for _, b := range values {
			ka := keyIndex(0x0100, a, "x") // a code with a NUL byte
			kb := keyIndex(0x0100, b, "x")
			if got, want := sign(bytes.Compare(ka, kb)), sign(bytes.Compare(a, b)); got != want {
				t.Fatalf("order of %q vs %q: keys compare %d, values %d", a, b, got, want)
			}
		}
	}
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

func TestIndexKeyRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
		id    string
	}{
		{"empty value", nil, "a"},
		{"plain", []byte("smith"), "p1"},
		{"nul inside", []byte("a\x00b"), "id-2"},
		{"trailing nul", []byte("a\x00"), "x"},
		{"high bytes", []byte{0xff, 0x00, 0xff}, "z.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := keyIndex(7, tt.value, tt.id)
			if p := keyIndexParamPrefix(7); !bytes.HasPrefix(k, p) {
				t.Fatalf("key %q is not under its code's prefix %q", k, p)
			}
			v, id, err := parseIndexKey(k[1+indexCodeLen:])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(v, tt.value) || id != tt.id {
				t.Fatalf("got (%q, %q), want (%q, %q)", v, id, tt.value, tt.id)
			}
		})
	}
}

func TestUnescapeRejectsBadInput(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("abc"), {'a', 0}, {'a', 0, 7}} {
		if _, _, err := unescape(in); err == nil {
			t.Errorf("unescape(%q) = nil error", in)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ in, want []byte }{
		{[]byte("a"), []byte("b")},
		{[]byte("a\xff"), []byte("b")},
		{[]byte{0xff, 0xff}, nil},
		{[]byte("ab"), []byte("ac")},
	}
	for _, tt := range tests {
		if got := prefixEnd(tt.in); !bytes.Equal(got, tt.want) {
			t.Errorf("prefixEnd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeysOfNeighbouringNamesDoNotInterleave(t *testing.T) {
	// "a" and "ab" as ids, "Patient" and "PatientX" as types: every key of
	// the shorter name sorts before every key of the longer one.
	if bytes.Compare(keyVersion("P", "a", 1<<40), keyVersion("P", "ab", 1)) >= 0 {
		t.Error("versions of id a interleave with id ab")
	}
	if bytes.Compare(prefixEnd(keyCurrentTypePrefix("Patient")), keyCurrent("PatientX", "a")) > 0 {
		t.Error("current keys of Patient and PatientX interleave")
	}
	if k := keyAppMeta("authX", []byte("k")); bytes.HasPrefix(k, keyAppMetaPrefix("auth")) {
		t.Error("application metadata of namespace authX lies inside namespace auth")
	}
	typ, id, err := splitCurrentKey(keyCurrent("Patient", "a.b-1"))
	if err != nil || typ != "Patient" || id != "a.b-1" {
		t.Errorf("splitCurrentKey = %q %q %v", typ, id, err)
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"Patient", true}, {"", false}, {"a\x00b", false}, {string(make([]byte, 65)), false},
		{"0123456789012345678901234567890123456789012345678901234567890123", true},
	}
	for _, tt := range tests {
		if got := validName(tt.s, maxNameLen); got != tt.want {
			t.Errorf("validName(%q) = %v", tt.s, got)
		}
	}
}

func FuzzUnescape(f *testing.F) {
	f.Add([]byte("abc"), []byte("abd"))
	f.Add([]byte{0, 1, 0xff}, []byte{0})
	f.Add([]byte{}, []byte{0xff})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ea := appendEscaped(nil, a, true)
		got, n, err := unescape(ea)
		if err != nil || n != len(ea) || !bytes.Equal(got, a) {
			t.Fatalf("round trip of %q: %q %d %v", a, got, n, err)
		}
		eb := appendEscaped(nil, b, true)
		if sign(bytes.Compare(ea, eb)) != sign(bytes.Compare(a, b)) {
			t.Fatalf("order of %q and %q not kept", a, b)
		}
		// Arbitrary bytes must never panic.
		_, _, _ = unescape(a)
	})
}
