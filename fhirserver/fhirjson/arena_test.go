package fhirjson

import (
	"strings"
	"testing"
)

func TestArenaParsesLikeParse(t *testing.T) {
	docs := []struct {
		name, doc string
	}{
		{"plain", `{"resourceType":"Patient","active":true,"name":[{"given":["A","B"]}]}`},
		{"escapes", `{"text":{"div":"<div>a \"quoted\" \u00e9 \ud83d\ude00 line\nnext</div>"},"x":["\t","\\"]}`},
		{"numbers", `[1.50,-0.0,1e2,12345678901234567890,null,false]`},
		{"deep", strings.Repeat(`{"a":[`, 30) + `"x"` + strings.Repeat(`]}`, 30)},
		{"big", `{"entry":[` + strings.Repeat(`{"resource":{"resourceType":"Basic","id":"b","code":{"text":"c\u0041"}}},`, 400) + `{}]}`},
	}
	var a Arena
	var trees []*Value
	for round := range 3 {
		for _, d := range docs {
			want, err := Parse([]byte(d.doc))
			if err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			got, err := Parse([]byte(d.doc), InArena(&a))
			if err != nil {
				t.Fatalf("round %d %s: arena parse: %v", round, d.name, err)
			}
			if !got.Equal(want) || string(Marshal(got)) != string(Marshal(want)) {
				t.Fatalf("round %d %s: arena tree differs: %s", round, d.name, Marshal(got))
			}
			trees = append(trees, got)
		}
		// Trees parsed earlier into the same arena stay intact until Reset.
		for i, tr := range trees {
			want, _ := Parse([]byte(docs[i].doc))
			if !tr.Equal(want) {
				t.Fatalf("round %d: tree %s changed by later parses", round, docs[i].name)
			}
		}
		trees = trees[:0]
		a.Reset()
	}
}

func TestArenaReuseAllocatesNothing(t *testing.T) {
	doc := []byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}],"text":"w\u00e9ight"},"valueQuantity":{"value":72.50,"unit":"kg"}}`)
	var a Arena
	for range 2 { // the first parses size the arena
		if _, err := Parse(doc, InArena(&a)); err != nil {
			t.Fatal(err)
		}
		a.Reset()
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Parse(doc, InArena(&a)); err != nil {
			t.Fatal(err)
		}
		a.Reset()
	})
	if allocs != 0 {
		t.Errorf("a reused arena allocated %v times per parse, want 0", allocs)
	}
}

func TestArenaResetDropsPointers(t *testing.T) {
	var a Arena
	doc := []byte(`{"a":["x","y"],"b":{"c":"\u0041"}}`)
	// The first parse sizes the arena (Reset then replaces the slabs); the
	// second fits, so the second Reset must clear the slabs it reuses.
	for range 2 {
		if _, err := Parse(doc, InArena(&a)); err != nil {
			t.Fatal(err)
		}
		a.Reset()
	}
	if cap(a.vals) == 0 || cap(a.members) == 0 || cap(a.items) == 0 {
		t.Fatal("arena kept no slabs")
	}
	for _, v := range a.vals[:cap(a.vals)] {
		if v.Text != "" || v.Items != nil || v.Members != nil {
			t.Fatalf("value slab still holds %+v after Reset", v)
		}
	}
	for _, m := range a.members[:cap(a.members)] {
		if m.Name != "" || m.Value != nil {
			t.Fatalf("member slab still holds %+v after Reset", m)
		}
	}
	for _, it := range a.items[:cap(a.items)] {
		if it != nil {
			t.Fatal("item slab still holds a pointer after Reset")
		}
	}
}
