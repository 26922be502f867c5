package storage

import (
	"errors"
	"testing"
	"time"
)

func TestSourceVersionRoundTrip(t *testing.T) {
	cases := []SourceVersion{
		{VersionID: 1, LastUpdated: time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)},
		{VersionID: 1 << 40, LastUpdated: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), Deleted: true},
		{VersionID: 3, LastUpdated: time.Date(1900, 1, 1, 0, 0, 0, 1000, time.UTC)},
	}
	for _, want := range cases {
		got, err := DecodeSourceVersion(EncodeSourceVersion(want))
		if err != nil || got != want {
			t.Errorf("round trip of %+v: %+v %v", want, got, err)
		}
	}
}

func TestSourceVersionKey(t *testing.T) {
	cases := []struct {
		source, typ, id, want string
		err                   error
	}{
		{"acme", "Patient", "p1", "acme\x00Patient\x00p1", nil},
		{"", "Patient", "p1", "", ErrInvalidKey},
		{"a\x00b", "Patient", "p1", "", ErrInvalidKey},
		{"acme", "Patient", "", "", ErrInvalidKey},
		{"acme", "Pat\x00ient", "p1", "", ErrInvalidKey},
	}
	for _, c := range cases {
		got, err := SourceVersionKey(c.source, c.typ, c.id)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("SourceVersionKey(%q, %q, %q) = %q %v, want %q %v", c.source, c.typ, c.id, got, err, c.want, c.err)
		}
	}
}

// FuzzDecodeSourceVersion: any bytes decode or fail without a panic, and
// what decodes encodes back to the same bytes (one encoding per value).
func FuzzDecodeSourceVersion(f *testing.F) {
	f.Add(EncodeSourceVersion(SourceVersion{VersionID: 7, LastUpdated: time.Unix(1700000000, 0)}))
	f.Add([]byte{1, 2})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeSourceVersion(b)
		if err != nil {
			return
		}
		if again := EncodeSourceVersion(v); string(again) != string(b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, v, again)
		}
	})
}
