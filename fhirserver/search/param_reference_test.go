package search

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func testNormalizer() refNormalizer {
	types := map[string]bool{"Patient": true, "Group": true, "Organization": true}
	return refNormalizer{base: testBase + "/", isType: func(t string) bool { return types[t] }}
}

func TestReferencePlans(t *testing.T) {
	n := testNormalizer()
	ref := func(js string) [][]byte {
		v, err := fhirjson.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		var keys [][]byte
		for _, iv := range n.referenceValues("o1", []item{{typ: "Reference", v: v}}, true) {
			keys = append(keys, iv.keys...)
		}
		return keys
	}
	local := ref(`{"reference":"Patient/p1"}`)
	absolute := ref(`{"reference":"` + testBase + `/Patient/p1/_history/2"}`)
	external := ref(`{"reference":"http://other.org/fhir/Patient/p1"}`)
	ident := ref(`{"identifier":{"system":"urn:sys","value":"v1"}}`)
	contained := ref(`{"reference":"#c1"}`)
	if len(contained) != 0 {
		t.Errorf("contained reference indexed: %q", contained)
	}
	cases := []struct {
		keys            [][]byte
		modifier, value string
		targets         []string
		want            bool
	}{
		{local, "", "Patient/p1", nil, true},
		{local, "", "p1", nil, true},
		{local, "", "p1", []string{"Patient"}, true},
		{local, "", "p1", []string{"Group"}, false},
		{local, "", testBase + "/Patient/p1", nil, true},
		{local, "Patient", "p1", nil, true},
		{local, "Group", "p1", nil, false},
		{absolute, "", "Patient/p1", nil, true},
		{external, "", "Patient/p1", nil, false},
		{external, "", "http://other.org/fhir/Patient/p1", nil, true},
		{ident, "identifier", "urn:sys|v1", nil, true},
		{ident, "identifier", "v1", nil, true},
		{ident, "identifier", "urn:other|v1", nil, false},
	}
	for _, c := range cases {
		p, err := n.referencePlan("subject", c.modifier, c.value, c.targets)
		if err != nil {
			t.Fatalf("%s:%s: %v", c.value, c.modifier, err)
		}
		got := false
		for _, k := range c.keys {
			got = got || p.matches(k)
		}
		if got != c.want {
			t.Errorf("subject:%s=%s (targets %v): %v, want %v", c.modifier, c.value, c.targets, got, c.want)
		}
	}
	if _, err := n.referencePlan("subject", "Group", "Patient/p1", nil); err == nil {
		t.Errorf("subject:Group=Patient/p1 accepted")
	}
	// The forward entry names the owner and the target, for _has.
	found := false
	for _, k := range local {
		if string(k) == string(appendStr(appendStr([]byte{'f'}, "o1"), "Patient/p1")) {
			found = true
		}
	}
	if !found {
		t.Errorf("no forward entry in %q", local)
	}
}
