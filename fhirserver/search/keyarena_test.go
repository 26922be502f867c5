package search

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// TestKeyArenaKeysStayApart: a key appended past the room it asked for
// moves out of the block instead of over the next key.
func TestKeyArenaKeysStayApart(t *testing.T) {
	var a keyArena
	k1 := append(a.key(3), "abc"...)
	k2 := append(a.key(3), "def"...)
	k1 = append(k1, "-longer than asked"...)
	if string(k2) != "def" || string(k1) != "abc-longer than asked" {
		t.Fatalf("keys ran into each other: %q %q", k1, k2)
	}
	l1 := append(a.list(1), k1)
	l2 := append(a.list(1), k2)
	l1 = append(l1, k2)
	if len(l2) != 1 || string(l2[0]) != "def" || len(l1) != 2 {
		t.Fatalf("lists ran into each other: %q %q", l1, l2)
	}
	big := a.key(arenaBytes)
	if cap(big) != arenaBytes {
		t.Fatalf("a large key gets its own allocation of the room asked: cap %d", cap(big))
	}
	var none *keyArena
	if k := none.key(5); len(k) != 0 || cap(k) != 5 {
		t.Fatalf("nil arena: %d/%d", len(k), cap(k))
	}
}

// TestArenaValuesAreTheAllocatedOnes: string and token values made in an
// arena are the ones made key by key, for the strings that take the
// uncommon paths (a NUL to escape, a text longer than a key keeps, one
// that normalises to nothing, decomposed accents).
func TestArenaValuesAreTheAllocatedOnes(t *testing.T) {
	texts := []string{"Peter", "  ", "a\x00b", "Ångström  Straße", strings.Repeat("é", 400), strings.Repeat("x", 600), "MRN\x00"}
	var items []item
	for _, s := range texts {
		items = append(items, item{v: fhirjson.NewString(s)})
	}
	name, err := fhirjson.Parse([]byte(`{"family":"Chalmers","given":["Peter","James"],"text":"Peter James Chalmers"}`))
	if err != nil {
		t.Fatal(err)
	}
	items = append(items, item{typ: "HumanName", v: name})
	cc, err := fhirjson.Parse([]byte(`{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}],"text":"Weight"}`))
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([]item, 0, len(items)+1)
	tokens = append(append(tokens, items...), item{typ: "CodeableConcept", v: cc})
	var a keyArena
	same := func(what string, got, want []indexValue) {
		t.Helper()
		if g, w := fmt.Sprintf("%q", got), fmt.Sprintf("%q", want); g != w {
			t.Errorf("%s in an arena:\n%s\nkey by key:\n%s", what, g, w)
		}
	}
	same("strings", stringValues(items, &a), stringValues(items, nil))
	same("tokens", tokenValuesOf(tokens, true, false, &a), tokenValuesOf(tokens, true, false, nil))
	for _, v := range stringValues(items, &a) {
		if !bytes.HasPrefix(v.keys[0][1:], v.sort) {
			t.Errorf("sort key %q is not the start of %q", v.sort, v.keys[0])
		}
	}
}

// BenchmarkIndexEntriesPatient: the CPU and allocations of indexing the
// HTTP benchmark's registration Patient (hack/benchserver), which every
// POST pays.
func BenchmarkIndexEntriesPatient(b *testing.B) {
	e, err := NewEngine(defs.R4, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := fhirjson.Parse([]byte(registrationPatient))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.IndexEntries("Patient", res); err != nil {
			b.Fatal(err)
		}
	}
}

// registrationPatient is hack/benchserver's registration Patient.
const registrationPatient = `{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.36.146.595.217.0.1","value":"1234"},{"system":"http://hospital.example/mrn","value":"MRN-1234"}],"active":true,"name":[{"use":"official","family":"Chalmers","given":["Peter","James"]},{"use":"usual","given":["Jim"]},{"use":"maiden","family":"Windsor","given":["Peter","James"],"period":{"end":"2002"}}],"telecom":[{"system":"phone","value":"(03) 5555 6473","use":"work","rank":1},{"system":"phone","value":"(03) 3410 5613","use":"mobile","rank":2},{"system":"email","value":"p1234@example.org","use":"home"}],"gender":"male","birthDate":"1974-12-25","address":[{"use":"home","type":"both","text":"534 Erewhon St PeasantVille, Rainbow, Vic  3999","line":["534 Erewhon St"],"city":"PleasantVille","district":"Rainbow","state":"Vic","postalCode":"3999","period":{"start":"1974-12-25"}}],"contact":[{"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0131","code":"N"}]}],"name":{"family":"du Marché","given":["Bénédicte"]},"gender":"female"}]}`
