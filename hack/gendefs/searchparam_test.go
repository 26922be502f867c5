package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestComponentDefinitionForms(t *testing.T) {
	for _, in := range []string{
		`{"definition":"http://x/SP","expression":"code"}`,               // R4 canonical
		`{"definition":{"reference":"http://x/SP"},"expression":"code"}`, // STU3 Reference
	} {
		var c searchComponent
		if err := json.Unmarshal([]byte(in), &c); err != nil || c.Definition != "http://x/SP" {
			t.Errorf("%s: got %+v, %v", in, c, err)
		}
	}
}

func TestConvertSearchParams(t *testing.T) {
	sps := []searchParameter{
		{ID: "b", URL: "u:b", Code: "b", Base: []string{"Patient", "Group"}, Type: "token"},
		{ID: "example", URL: "u:x", Code: "_id", Base: []string{"Resource"}, Type: "token", Experimental: true},
		{ID: "a", URL: "u:a", Code: "a", Base: []string{"Patient"}, Type: "composite",
			Component: []searchComponent{{Definition: "u:b", Expression: "b"}}},
	}
	out, err := convertSearchParams(sps)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].URL != "u:a" || out[1].URL != "u:b" {
		t.Fatalf("got %+v", out)
	}
	if len(out[0].Component) != 1 || out[0].Component[0].Definition != "u:b" {
		t.Errorf("component %+v", out[0].Component)
	}
}

func TestConvertSearchParamsRejects(t *testing.T) {
	tests := []struct {
		name string
		sps  []searchParameter
		want string
	}{
		{"no base", []searchParameter{{ID: "a", URL: "u:a", Code: "a", Type: "token"}}, "required"},
		{"url twice", []searchParameter{
			{ID: "a", URL: "u:a", Code: "a", Base: []string{"X"}, Type: "token"},
			{ID: "b", URL: "u:a", Code: "b", Base: []string{"X"}, Type: "token"},
		}, "defined twice"},
		{"code twice on a base", []searchParameter{
			{ID: "a", URL: "u:a", Code: "a", Base: []string{"X"}, Type: "token"},
			{ID: "b", URL: "u:b", Code: "a", Base: []string{"Y", "X"}, Type: "token"},
		}, "X:a also defined by a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convertSearchParams(tc.sps)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDocumentReferenceRelationshipComponentsCorrected(t *testing.T) {
	const rel = "http://hl7.org/fhir/SearchParameter/DocumentReference-relationship"
	const relatesto = "http://hl7.org/fhir/SearchParameter/DocumentReference-relatesto"
	const relation = "http://hl7.org/fhir/SearchParameter/DocumentReference-relation"
	tests := []struct {
		definition, published, want string
	}{
		{relatesto, "code", "target"}, // as published in 3.0.2 and 4.0.1: corrected
		{relation, "target", "code"},
		{relatesto, "target", "target"}, // already right upstream: left alone
		{relation, "code", "code"},
	}
	for _, tt := range tests {
		if got := correctComponent(rel, tt.definition, tt.published); got != tt.want {
			t.Errorf("component %s published %q: got %q, want %q", tt.definition, tt.published, got, tt.want)
		}
	}
	if got := correctComponent("http://hl7.org/fhir/SearchParameter/Observation-code-value-quantity", relatesto, "code"); got != "code" {
		t.Errorf("another parameter's component changed: %q", got)
	}
}
