package search

import (
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestNormalizeString(t *testing.T) {
	cases := map[string]string{
		"José":            "jose",
		"  Ünïcödé  Text": "unicode text",
		"ÅNGSTRÖM":        "angstrom",
		"a\t\nb":          "a b",
		"":                "",
		"ABC def":         "abc def",
		"\u00a0x\u2003Y":  "x y",
	}
	for in, want := range cases {
		if got := normalizeString(in); got != want {
			t.Errorf("normalizeString(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	s := "aé" // é is two bytes
	if got := truncate(s, 2); got != "a" {
		t.Errorf("truncate cut a rune: %q", got)
	}
	if got := truncate(s, 10); got != s {
		t.Errorf("truncate changed a short string: %q", got)
	}
}

func TestStringPartsOfHumanNameAndAddress(t *testing.T) {
	name, _ := fhirjson.Parse([]byte(`{"family":"Chalmers","given":["Peter","James"],"use":"official"}`))
	got := appendStringParts(nil, item{typ: "HumanName", v: name})
	want := []string{"Chalmers", "Peter", "James"}
	if len(got) != len(want) {
		t.Fatalf("parts %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("parts %v, want %v", got, want)
		}
	}
	addr, _ := fhirjson.Parse([]byte(`{"line":["534 Erewhon St"],"city":"PleasantVille","use":"home"}`))
	if got := appendStringParts(nil, item{typ: "Address", v: addr}); len(got) != 2 || got[1] != "PleasantVille" {
		t.Errorf("address parts %v", got)
	}
}

func TestStringPlans(t *testing.T) {
	vals := stringValues([]item{{v: fhirjson.NewString("Peter")}, {v: fhirjson.NewString("Ángel")}}, nil)
	cases := []struct {
		modifier, value string
		want            int // how many of the values match
	}{
		{"", "pet", 1},
		{"", "PETER", 1},
		{"", "angel", 1},
		{"", "eter", 0},
		{"exact", "Peter", 1},
		{"exact", "peter", 0},
		{"exact", "Pete", 0},
		{"exact", "Ángel", 1},
		{"exact", "Angel", 0}, // the same normalised form, not the same text
		{"contains", "ete", 1},
		{"contains", "NGE", 1},
	}
	for _, c := range cases {
		p, err := stringPlan("name", c.modifier, c.value)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range vals {
			for _, k := range v.keys {
				if p.matches(k) {
					n++
				}
			}
		}
		if n != c.want {
			t.Errorf("name:%s=%s matched %d keys, want %d", c.modifier, c.value, n, c.want)
		}
	}
	if _, err := stringPlan("name", "below", "x"); err == nil {
		t.Errorf(":below accepted on a string")
	}
}

func FuzzNormalizeString(f *testing.F) {
	for _, s := range []string{"José", "ÅNGSTRÖM  x", "plain ASCII", "\u00a0nbsp\u2003em"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizeString(s)
		if normalizeString(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, normalizeString(n))
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("white space not collapsed in %q", n)
		}
	})
}
