package main

import (
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

func TestIsDigits(t *testing.T) {
	for s, want := range map[string]bool{"1": true, "10": true, "": false, "*": false, "-1": false, "1a": false} {
		if got := isDigits(s); got != want {
			t.Errorf("isDigits(%q) = %v", s, got)
		}
	}
}

func TestCheckTypes(t *testing.T) {
	base := func() []defsfile.Type {
		return []defsfile.Type{
			{Name: "Element", Kind: defsfile.KindComplex, Elements: []defsfile.Element{{Path: "Element", Max: "*"}}},
			{Name: "X", Kind: defsfile.KindResource, Base: "Element", Elements: []defsfile.Element{
				{Path: "X", Max: "*"},
				{Path: "X.ref", Max: "1", Types: []defsfile.TypeRef{{Code: "Element", Targets: []string{"X"}}}},
				{Path: "X.value[x]", Max: "1", Types: []defsfile.TypeRef{{Code: "Element"}, {Code: "X"}}},
				{Path: "X.again", Max: "*", ContentReference: "#X.ref"},
			}},
		}
	}
	if err := checkTypes(base()); err != nil {
		t.Fatalf("valid types rejected: %v", err)
	}
	tests := []struct {
		name   string
		break_ func(ts []defsfile.Type)
		want   string
	}{
		{"unknown base", func(ts []defsfile.Type) { ts[1].Base = "Nope" }, "unknown base"},
		{"unknown target", func(ts []defsfile.Type) { ts[1].Elements[1].Types[0].Targets = []string{"Nope"} }, "unknown target"},
		{"content reference with types", func(ts []defsfile.Type) {
			ts[1].Elements[3].Types = []defsfile.TypeRef{{Code: "Element"}}
		}, "content reference with types"},
		{"bad max", func(ts []defsfile.Type) { ts[1].Elements[1].Max = "-1" }, "max"},
		{"choice without types", func(ts []defsfile.Type) { ts[1].Elements[2].Types = nil }, "0 types"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := base()
			tc.break_(ts)
			err := checkTypes(ts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
