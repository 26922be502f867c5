package validation

import (
	"regexp"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// checkerInputs are edge cases for every hand-written checker; each is
// tried against every checker, so each also serves as a negative case for
// the others.
var checkerInputs = []string{
	"", " ", "a", " a", "a ", "a  b", "a b", "a\tb", "a\t\tb", "a\nb", "\n", "\t", "\r\n", "a\fb", "\f", "a\vb", "\v",
	"é", "日本", "a\u00a0b", "\u2028",
	"abc-DEF.123", "a_b", "a/b", "a:b", "0123456789012345678901234567890123456789012345678901234567890123",
	"01234567890123456789012345678901234567890123456789012345678901234",
	"http://x.org/a b", "urn:oid:1.2.3", "urn:uuid:0f0e0d0c-0b0a-0908-0706-050403020100",
	"true", "false", "True", "1", "0", "-0", "00", "01", "-1", "+1", "1.", ".1", "1.0", "1.50", "-0.0", "1e2", "1E+2",
	"1e-2", "1.5e10", "1e", "1e+", "--1", "2147483647", "2147483648", "-2147483648", "12345678901234567890",
	"2019", "0000", "0001", "1000", "0100", "0010", "-2019", "201", "20190", "2019-", "2019-1", "2019-00", "2019-12",
	"2019-13", "2019-01-", "2019-01-00", "2019-01-01", "2019-01-31", "2019-01-32", "2019-02-30", "2019-1-01",
	"2019-01-01T", "2019-01-01T10:00", "2019-01-01T10:00:00", "2019-01-01T10:00:00Z", "2019-01-01T24:00:00Z",
	"2019-01-01T23:59:60Z", "2019-01-01T23:60:00Z", "2019-01-01T10:00:00.5Z", "2019-01-01T10:00:00.Z",
	"2019-01-01T10:00:00.123456789+01:00", "2019-01-01T10:00:00+14:00", "2019-01-01T10:00:00+14:01",
	"2019-01-01T10:00:00-13:59", "2019-01-01T10:00:00+1:00", "2019-01-01T10:00:00+01:60", "2019-01-01T10:00:00+0100",
	"2019-01-01T10:00:00z", "2019-01-01 10:00:00Z", "-2019-01-01T10:00:00Z", "2019-01-01T10:00:00Z ", " 2019",
	"2019-01-01T10:00:00+01:00x", "2019-01-01T1:00:00Z", "2019-01-01T10:0:00Z", "2019-01-01T10:00:0Z",
	"10:00:00", "-0000", "-0000-01-00", "0000-01-00",
	"AAAA", "AAA", "AAAAA", "AAAA AAAA", "AA AA", " AAAA ", "AAAA\nBBBB\r\n", "AAAAAAAA", "AA==", "A===", "====",
	"AB+/", "AB-_", "AAAA\vAAAA", "\tAAAA", "AAAA\f", "    ", "AAAA  A", "A AAA",
}

// TestFastCheckersMatchRegex proves each hand-written checker accepts
// exactly what the regex it stands for accepts, compiled the way defs
// compiles it (anchored, Go syntax).
func TestFastCheckersMatchRegex(t *testing.T) {
	for re, check := range fastCheckers {
		pattern := regexp.MustCompile("^(?:" + re + ")$")
		for _, s := range checkerInputs {
			if got, want := check(s), pattern.MatchString(s); got != want {
				t.Errorf("regex %s on %q: checker says %v, regex says %v", re, s, got, want)
			}
		}
	}
}

// FuzzFastCheckers compares every hand-written checker with its regex on
// arbitrary input. Seeds are checkerInputs and testdata/fuzz/FuzzFastCheckers.
func FuzzFastCheckers(f *testing.F) {
	for _, s := range checkerInputs {
		f.Add(s)
	}
	type pair struct {
		re    string
		check func(string) bool
		p     *regexp.Regexp
	}
	var pairs []pair
	for re, check := range fastCheckers {
		pairs = append(pairs, pair{re, check, regexp.MustCompile("^(?:" + re + ")$")})
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range pairs {
			if got, want := p.check(s), p.p.MatchString(s); got != want {
				t.Fatalf("regex %s on %q: checker says %v, regex says %v", p.re, s, got, want)
			}
		}
	})
}

// TestHotPrimitivesUseFastCheckers makes sure the definitions' regex texts
// are the ones the checkers were proven against, so the hot path really is
// hand-written (a mismatch would silently fall back to regexp).
func TestHotPrimitivesUseFastCheckers(t *testing.T) {
	hot := map[*defs.Version][]string{
		defs.R4:   {"string", "code", "id", "uri", "url", "canonical", "markdown", "dateTime", "date", "instant", "decimal", "integer", "positiveInt", "unsignedInt", "boolean", "base64Binary"},
		defs.STU3: {"code", "id", "dateTime", "date", "instant", "decimal", "integer", "positiveInt", "unsignedInt"},
	}
	for v, names := range hot {
		for _, name := range names {
			ty := v.Type(name)
			if ty == nil {
				t.Errorf("%s has no type %s", v.Name, name)
				continue
			}
			if fastCheckers[ty.Regex] == nil {
				t.Errorf("%s %s regex %q has no hand-written checker", v.Name, name, ty.Regex)
			}
		}
	}
}

func TestPrimRules(t *testing.T) {
	tests := []struct {
		version *defs.Version
		typ     string
		value   string
		ok      bool
	}{
		{defs.STU3, "string", "text", true},
		{defs.STU3, "string", "a\fb", false}, // R4's rule, as the STU3 definitions give none
		{defs.STU3, "uri", "a b", false},
		{defs.STU3, "base64Binary", "AAEC/w==", true},
		{defs.STU3, "base64Binary", "AAE", false},
		{defs.R4, "xhtml", `<div xmlns="http://www.w3.org/1999/xhtml">x</div>`, true},
		{defs.R4, "xhtml", "<div/>", true},
		{defs.R4, "xhtml", "<p>x</p>", false},
		{defs.R4, "xhtml", "<divx>x</divx>", false},
		{defs.R4, "time", "10:00:60", true},
		{defs.STU3, "time", "10:00:60", false},
		{defs.R4, "oid", "urn:oid:1.2", true},
		{defs.R4, "oid", "urn:oid:3.2", false},
		{defs.R4, "uuid", "urn:uuid:0f0e0d0c-0b0a-0908-0706-050403020100", true},
		{defs.R4, "uuid", "urn:uuid:0F0E0D0C-0B0A-0908-0706-050403020100", false},
	}
	for _, tt := range tests {
		t.Run(tt.version.Name+"/"+tt.typ+"/"+tt.value, func(t *testing.T) {
			r, err := newPrimRule(tt.version, tt.version.Type(tt.typ))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.check(tt.value); got != tt.ok {
				t.Errorf("check(%q) = %v, want %v", tt.value, got, tt.ok)
			}
		})
	}
}

func TestInRange(t *testing.T) {
	tests := []struct {
		typ, lit string
		ok       bool
	}{
		{"integer", "2147483647", true},
		{"integer", "2147483648", false},
		{"integer", "-2147483648", true},
		{"integer", "-2147483649", false},
		{"integer", "-99999999999", false},
		{"integer", "12345678901234567890", false},
		{"positiveInt", "1", true},
		{"unsignedInt", "0", true},
		{"unsignedInt", "2147483648", false},
	}
	for _, tt := range tests {
		r, err := newPrimRule(defs.R4, defs.R4.Type(tt.typ))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.check(tt.lit) && r.inRange(tt.lit); got != tt.ok {
			t.Errorf("%s %s: valid = %v, want %v", tt.typ, tt.lit, got, tt.ok)
		}
	}
}
