package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func tokenKeys(t *testing.T, typ, js string) [][]byte {
	t.Helper()
	v, err := fhirjson.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	for _, iv := range tokenValuesOf([]item{{typ: typ, v: v}}, true, false, nil) {
		keys = append(keys, iv.keys...)
	}
	return keys
}

func TestTokenPlans(t *testing.T) {
	cc := tokenKeys(t, "CodeableConcept", `{"coding":[{"system":"http://loinc.org","code":"15074-8","display":"Glucose"}],"text":"Blood sugar"}`)
	ident := tokenKeys(t, "Identifier", `{"system":"urn:oid:1.2","value":"12345","type":{"coding":[{"system":"http://t","code":"MR"}]}}`)
	code := tokenKeys(t, "code", `"final"`)
	boolean := tokenKeys(t, "boolean", `true`)
	cases := []struct {
		keys            [][]byte
		modifier, value string
		want            bool
	}{
		{cc, "", "15074-8", true},
		{cc, "", "http://loinc.org|15074-8", true},
		{cc, "", "http://other|15074-8", false},
		{cc, "", "|15074-8", false},
		{cc, "", "http://loinc.org|", true},
		{cc, "text", "blood", true},
		{cc, "text", "gluc", true},
		{cc, "text", "sugar", true}, // a later word of "Blood sugar"
		{cc, "text", "ugar", false},
		{ident, "", "urn:oid:1.2|12345", true},
		{ident, "of-type", "http://t|MR|12345", true},
		{ident, "of-type", "http://t|MR|999", false},
		{code, "", "final", true},
		{code, "", "|final", true},
		{code, "", "FINAL", false},
		{boolean, "", "true", true},
		{boolean, "", "false", false},
	}
	for _, c := range cases {
		p, err := tokenPlan("code", c.modifier, c.value, false)
		if err != nil {
			t.Fatalf("%s:%s: %v", c.value, c.modifier, err)
		}
		got := false
		for _, k := range c.keys {
			got = got || p.matches(k)
		}
		if got != c.want {
			t.Errorf("token:%s=%s on %q: %v, want %v", c.modifier, c.value, c.keys, got, c.want)
		}
	}
}

func TestTokenPlanErrors(t *testing.T) {
	for _, c := range []struct{ modifier, value string }{{"of-type", "a|b"}, {"of-type", "a||c"}, {"in", "x"}} {
		if _, err := tokenPlan("identifier", c.modifier, c.value, false); err == nil {
			t.Errorf("identifier:%s=%s accepted", c.modifier, c.value)
		}
	}
}

func TestSplitTokenEscapes(t *testing.T) {
	sys, code, bar := splitToken(`a\|b|c\,d`)
	if sys != "a|b" || code != "c,d" || !bar {
		t.Errorf("got %q %q %v", sys, code, bar)
	}
}

func TestWordSuffixes(t *testing.T) {
	got := wordSuffixes("blood sugar level")
	if len(got) != 3 || got[1] != "sugar level" || got[2] != "level" {
		t.Errorf("wordSuffixes = %q", got)
	}
	if len(wordSuffixes("a b c d e f g h i j k")) != maxTextWords {
		t.Errorf("not bounded")
	}
	if wordSuffixes("") != nil {
		t.Errorf("empty text has suffixes")
	}
}
