package defs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestResourceParamsApplyEverywhere(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			for _, rt := range v.ResourceTypes() {
				for _, code := range []string{"_id", "_lastUpdated", "_tag", "_profile", "_security"} {
					p := v.SearchParam(rt, code)
					if p == nil || !slices.Equal(p.Base, []string{"Resource"}) {
						t.Errorf("%s?%s = %+v", rt, code, p)
					}
				}
				// _text is defined on DomainResource: Bundle, Binary and
				// Parameters are plain Resources and do not have it.
				wantText := v.Resource(rt).Base == "DomainResource"
				if got := v.SearchParam(rt, "_text") != nil; got != wantText {
					t.Errorf("%s has _text: %v, want %v", rt, got, wantText)
				}
				list := v.SearchParams(rt)
				if !slices.IsSortedFunc(list, func(a, b *SearchParam) int { return compareStrings(a.Code, b.Code) }) {
					t.Errorf("%s params not sorted by code", rt)
				}
				for _, p := range list {
					if v.SearchParam(rt, p.Code) != p {
						t.Errorf("%s?%s: list and lookup disagree", rt, p.Code)
					}
				}
			}
		})
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSearchParam(t *testing.T) {
	tests := []struct {
		v          *Version
		rt, code   string
		typ        string
		url        string
		expression string
		target     []string
		components int
	}{
		{R4, "Observation", "subject", "reference", "http://hl7.org/fhir/SearchParameter/Observation-subject", "Observation.subject",
			[]string{"Group", "Device", "Patient", "Location"}, 0},
		{R4, "Observation", "patient", "reference", "http://hl7.org/fhir/SearchParameter/clinical-patient", "", []string{"Patient", "Group"}, 0},
		{R4, "Observation", "code-value-quantity", "composite", "http://hl7.org/fhir/SearchParameter/Observation-code-value-quantity", "Observation", nil, 2},
		{R4, "Patient", "birthdate", "date", "http://hl7.org/fhir/SearchParameter/individual-birthdate", "", nil, 0},
		{R4, "Patient", "_id", "token", "http://hl7.org/fhir/SearchParameter/Resource-id", "Resource.id", nil, 0},
		{STU3, "Observation", "subject", "reference", "http://hl7.org/fhir/SearchParameter/Observation-subject", "Observation.subject",
			[]string{"Group", "Device", "Patient", "Location"}, 0},
		{STU3, "Observation", "code-value-quantity", "composite", "http://hl7.org/fhir/SearchParameter/Observation-code-value-quantity", "Observation", nil, 2},
		{STU3, "ProcedureRequest", "code", "token", "http://hl7.org/fhir/SearchParameter/clinical-code", "", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.rt+"/"+tc.code, func(t *testing.T) {
			p := tc.v.SearchParam(tc.rt, tc.code)
			if p == nil {
				t.Fatal("missing")
			}
			if p.Code != tc.code || p.Type != tc.typ || p.URL != tc.url {
				t.Errorf("got %s %s %s", p.Code, p.Type, p.URL)
			}
			if tc.expression != "" && p.Expression != tc.expression {
				t.Errorf("expression %q, want %q", p.Expression, tc.expression)
			}
			if p.Expression == "" {
				t.Errorf("no expression")
			}
			if tc.target != nil && !slices.Equal(p.Target, tc.target) {
				t.Errorf("target %v, want %v", p.Target, tc.target)
			}
			if len(p.Component) != tc.components {
				t.Errorf("%d components, want %d", len(p.Component), tc.components)
			}
			for _, c := range p.Component {
				if c.Definition == "" || c.Expression == "" {
					t.Errorf("component %+v", c)
				}
			}
			if !slices.Contains(tc.v.SearchParams(tc.rt), p) {
				t.Errorf("not in SearchParams(%s)", tc.rt)
			}
		})
	}
	if R4.SearchParam("Observation", "nope") != nil || R4.SearchParam("Nope", "_id") != nil || R4.SearchParams("Nope") != nil {
		t.Error("unknown type or code found")
	}
}

func TestAllSearchParams(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			all := v.AllSearchParams()
			if !slices.IsSortedFunc(all, func(a, b *SearchParam) int { return compareStrings(a.URL, b.URL) }) {
				t.Error("not sorted by URL")
			}
			byURL := map[string]*SearchParam{}
			for _, p := range all {
				byURL[p.URL] = p
				for _, base := range p.Base {
					if v.SearchParam(base, p.Code) != p {
						t.Errorf("%s not found as %s?%s", p.URL, base, p.Code)
					}
				}
			}
			// Every composite's components name parameters of the version:
			// by URL, or (STU3 names .../Observation-code, published as
			// .../clinical-code) by the <Type>-<code> the URL ends in.
			for _, p := range all {
				for _, c := range p.Component {
					if byURL[c.Definition] != nil {
						continue
					}
					name := strings.TrimPrefix(c.Definition, "http://hl7.org/fhir/SearchParameter/")
					rt, code, _ := strings.Cut(name, "-")
					if v.Name != "STU3" || v.SearchParam(rt, code) == nil {
						t.Errorf("%s: component %s is not a parameter", p.URL, c.Definition)
					}
				}
			}
			modifiers, comparators, multipleOr := 0, 0, 0
			for _, p := range all {
				modifiers += len(p.Modifier)
				comparators += len(p.Comparator)
				if p.MultipleOr != nil {
					multipleOr++
				}
			}
			t.Logf("%d params: %d modifiers, %d comparators, %d with multipleOr", len(all), modifiers, comparators, multipleOr)
		})
	}
}

// TestSearchParamsDigest: the digest the generator wrote into each embedded
// file is the one of the parameters it holds, computed as documented.
func TestSearchParamsDigest(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			h := sha256.New()
			for _, p := range v.AllSearchParams() {
				fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", p.URL, p.Code, p.Type, p.Expression)
				for _, c := range p.Component {
					fmt.Fprintf(h, "%s\x00%s\x00", c.Definition, c.Expression)
				}
			}
			if got, want := v.SearchParamsDigest(), hex.EncodeToString(h.Sum(nil)); got != want {
				t.Errorf("SearchParamsDigest = %s, the parameters hash to %s", got, want)
			}
		})
	}
	if R4.SearchParamsDigest() == STU3.SearchParamsDigest() {
		t.Error("R4 and STU3 have one digest")
	}
}
