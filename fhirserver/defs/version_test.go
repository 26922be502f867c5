package defs

import (
	"slices"
	"strings"
	"testing"
)

func TestCounts(t *testing.T) {
	// Exact figures of the official packages (docs/fhir-definitions.md).
	tests := []struct {
		v                                         *Version
		resources, primitives, complex, abstractR int
		params, compartments                      int
	}{
		{R4, 146, 20, 41, 2, 1375, 5},
		{STU3, 117, 18, 35, 2, 1215, 5},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name, func(t *testing.T) {
			kinds := map[TypeKind]int{}
			abstractResources := 0
			for _, name := range tc.v.TypeNames() {
				typ := tc.v.Type(name)
				kinds[typ.Kind]++
				if typ.Kind == KindResource && typ.Abstract {
					abstractResources++
				}
			}
			if got := len(tc.v.ResourceTypes()); got != tc.resources {
				t.Errorf("concrete resource types = %d, want %d", got, tc.resources)
			}
			if kinds[KindResource] != tc.resources+tc.abstractR || abstractResources != tc.abstractR {
				t.Errorf("resource kinds = %d (%d abstract), want %d (%d abstract)", kinds[KindResource], abstractResources, tc.resources+tc.abstractR, tc.abstractR)
			}
			if kinds[KindPrimitive] != tc.primitives {
				t.Errorf("primitive types = %d, want %d", kinds[KindPrimitive], tc.primitives)
			}
			if kinds[KindComplex] != tc.complex {
				t.Errorf("complex types = %d, want %d", kinds[KindComplex], tc.complex)
			}
			if got := len(tc.v.AllSearchParams()); got != tc.params {
				t.Errorf("search params = %d, want %d", got, tc.params)
			}
			if got := len(tc.v.Compartments()); got != tc.compartments {
				t.Errorf("compartments = %d, want %d", got, tc.compartments)
			}
		})
	}
}

func TestByName(t *testing.T) {
	tests := []struct {
		name string
		want *Version
	}{
		{"R4", R4}, {"r4", R4}, {"4.0.1", R4}, {"4.0", R4},
		{"STU3", STU3}, {"stu3", STU3}, {"R3", STU3}, {"3.0.2", STU3}, {"3.0", STU3},
		{"R5", nil}, {"", nil}, {"4.0.0", nil},
	}
	for _, tc := range tests {
		if got := ByName(tc.name); got != tc.want {
			t.Errorf("ByName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestResourceTypes(t *testing.T) {
	for _, v := range []*Version{R4, STU3} {
		t.Run(v.Name, func(t *testing.T) {
			names := v.ResourceTypes()
			if !slices.IsSorted(names) {
				t.Error("ResourceTypes not sorted")
			}
			for _, name := range []string{"Resource", "DomainResource", "Element", "string"} {
				if slices.Contains(names, name) {
					t.Errorf("ResourceTypes holds %s", name)
				}
			}
			for _, name := range names {
				r := v.Resource(name)
				if r == nil || r.Abstract || r.Kind != KindResource || r.Name != name {
					t.Fatalf("Resource(%q) = %+v", name, r)
				}
			}
		})
	}
}

func TestResourceAndType(t *testing.T) {
	tests := []struct {
		v            *Version
		name         string
		isResource   bool
		isType       bool
		wantKind     TypeKind
		wantAbstract bool
		wantBase     string
	}{
		{R4, "Observation", true, true, KindResource, false, "DomainResource"},
		{R4, "Resource", true, true, KindResource, true, ""},
		{R4, "DomainResource", true, true, KindResource, true, "Resource"},
		{R4, "Bundle", true, true, KindResource, false, "Resource"},
		{R4, "Quantity", false, true, KindComplex, false, "Element"},
		{R4, "Age", false, true, KindComplex, false, "Quantity"},
		{R4, "BackboneElement", false, true, KindComplex, true, "Element"},
		{R4, "Element", false, true, KindComplex, true, ""},
		{R4, "Extension", false, true, KindComplex, false, "Element"},
		{R4, "Narrative", false, true, KindComplex, false, "Element"},
		{R4, "xhtml", false, true, KindPrimitive, false, "Element"},
		{R4, "positiveInt", false, true, KindPrimitive, false, "integer"},
		{R4, "canonical", false, true, KindPrimitive, false, "uri"},
		{R4, "SimpleQuantity", false, false, 0, false, ""}, // a profile, not a type
		{R4, "MetadataResource", false, false, 0, false, ""},
		{R4, "ProcedureRequest", false, false, 0, false, ""},
		{STU3, "ProcedureRequest", true, true, KindResource, false, "DomainResource"},
		{STU3, "ServiceRequest", false, false, 0, false, ""},
		{STU3, "canonical", false, false, 0, false, ""},
		{STU3, "Dosage", false, true, KindComplex, false, "Element"},
		{R4, "Dosage", false, true, KindComplex, false, "BackboneElement"},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.name, func(t *testing.T) {
			if got := tc.v.Resource(tc.name) != nil; got != tc.isResource {
				t.Errorf("Resource != nil is %v, want %v", got, tc.isResource)
			}
			typ := tc.v.Type(tc.name)
			if (typ != nil) != tc.isType {
				t.Fatalf("Type != nil is %v, want %v", typ != nil, tc.isType)
			}
			if typ == nil {
				return
			}
			if typ.Kind != tc.wantKind || typ.Abstract != tc.wantAbstract || typ.Base != tc.wantBase {
				t.Errorf("got kind %d abstract %v base %q, want %d %v %q", typ.Kind, typ.Abstract, typ.Base, tc.wantKind, tc.wantAbstract, tc.wantBase)
			}
			if typ.Root == nil || typ.Root.Path != tc.name || typ.Root.Type != typ || typ.Elements()[0].Path != tc.name {
				t.Errorf("root node/element wrong: %+v", typ.Root)
			}
		})
	}
}

func TestElement(t *testing.T) {
	tests := []struct {
		v        *Version
		typ      string
		path     string
		wantPath string // "" means not found
		min, max int
		types    []string
		summary  bool
		modifier bool
	}{
		{R4, "Observation", "Observation.value[x]", "Observation.value[x]", 0, 1,
			[]string{"Quantity", "CodeableConcept", "string", "boolean", "integer", "Range", "Ratio", "SampledData", "time", "dateTime", "Period"}, true, false},
		{R4, "Observation", "Observation.value", "Observation.value[x]", 0, 1, nil, true, false},
		{STU3, "Observation", "Observation.value[x]", "Observation.value[x]", 0, 1,
			[]string{"Quantity", "CodeableConcept", "string", "boolean", "Range", "Ratio", "SampledData", "Attachment", "time", "dateTime", "Period"}, true, false},
		{R4, "Patient", "Patient.name", "Patient.name", 0, -1, []string{"HumanName"}, true, false},
		{STU3, "Patient", "Patient.name", "Patient.name", 0, -1, []string{"HumanName"}, true, false},
		{R4, "Patient", "Patient.active", "Patient.active", 0, 1, []string{"boolean"}, true, true},
		{R4, "Observation", "Observation.status", "Observation.status", 1, 1, []string{"code"}, true, true},
		{R4, "Observation", "Observation.component.code", "Observation.component.code", 1, 1, []string{"CodeableConcept"}, true, false},
		{R4, "Patient", "Patient.id", "Patient.id", 0, 1, []string{"id"}, true, false},
		{STU3, "Patient", "Patient.id", "Patient.id", 0, 1, []string{"id"}, true, false},
		{R4, "Patient", "Patient.contact.id", "Patient.contact.id", 0, 1, []string{"string"}, false, false},
		{R4, "Extension", "Extension.url", "Extension.url", 1, 1, []string{"uri"}, false, false},
		{R4, "Patient", "Patient.nope", "", 0, 0, nil, false, false},
		{R4, "Patient", "Observation.status", "", 0, 0, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.path, func(t *testing.T) {
			e := tc.v.Type(tc.typ).Element(tc.path)
			if tc.wantPath == "" {
				if e != nil {
					t.Fatalf("found %s", e.Path)
				}
				return
			}
			if e == nil || e.Path != tc.wantPath {
				t.Fatalf("Element(%q) = %+v", tc.path, e)
			}
			if e.Min != tc.min || e.Max != tc.max || e.Summary != tc.summary || e.Modifier != tc.modifier {
				t.Errorf("got %d..%d summary %v modifier %v", e.Min, e.Max, e.Summary, e.Modifier)
			}
			if e.IsArray() != (tc.max != 1) {
				t.Errorf("IsArray = %v", e.IsArray())
			}
			if tc.types != nil {
				var codes []string
				for _, tr := range e.Types {
					codes = append(codes, tr.Code)
				}
				if !slices.Equal(codes, tc.types) {
					t.Errorf("types = %v, want %v", codes, tc.types)
				}
			}
		})
	}
}

func TestReferenceTargets(t *testing.T) {
	tests := []struct {
		v    *Version
		path string
		code string
		want []string
	}{
		{R4, "Observation.subject", "Reference", []string{"Patient", "Group", "Device", "Location"}},
		{STU3, "Observation.subject", "Reference", []string{"Patient", "Group", "Device", "Location"}},
		{R4, "Patient.generalPractitioner", "Reference", []string{"Organization", "Practitioner", "PractitionerRole"}},
		{STU3, "Patient.generalPractitioner", "Reference", []string{"Organization", "Practitioner"}},
		{R4, "Questionnaire.derivedFrom", "canonical", []string{"Questionnaire"}},
		{R4, "Observation.code", "CodeableConcept", nil},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.path, func(t *testing.T) {
			typeName, _, _ := strings.Cut(tc.path, ".")
			typ := tc.v.Type(typeName)
			e := typ.Element(tc.path)
			if e == nil || len(e.Types) != 1 || e.Types[0].Code != tc.code {
				t.Fatalf("element %+v", e)
			}
			if !slices.Equal(e.Types[0].Targets, tc.want) {
				t.Errorf("targets = %v, want %v", e.Types[0].Targets, tc.want)
			}
		})
	}
}

// TestConcurrentFirstUse: goroutines racing on a version's first lookup all
// see it fully loaded (run with -race to check the sync.Once hand-off).
func TestConcurrentFirstUse(t *testing.T) {
	v := newVersion("STU3", "3.0.2", "generated/stu3.defs")
	done := make(chan *Type)
	for range 4 {
		go func() { done <- v.Resource("Patient") }()
	}
	for range 4 {
		if p := <-done; p == nil || p.Root.Prop("name") == nil {
			t.Fatal("saw a partly loaded version")
		}
	}
}

func TestLoadedOnFirstUse(t *testing.T) {
	// A fresh Version, so the package's R4 (loaded by other tests) does
	// not decide the answer.
	v := newVersion("R4", "4.0.1", "generated/r4.defs")
	if v.Loaded() {
		t.Fatal("Loaded before any lookup")
	}
	if v.Resource("Patient") == nil {
		t.Fatal("no Patient")
	}
	if !v.Loaded() {
		t.Fatal("not Loaded after a lookup")
	}
	// The search parameters wait for their own first use; their digest
	// does not need them.
	if v.SearchParamsDigest() == "" || v.SearchParamsLoaded() {
		t.Fatalf("digest %q, params loaded %v", v.SearchParamsDigest(), v.SearchParamsLoaded())
	}
	if len(v.SearchParams("Patient")) == 0 || !v.SearchParamsLoaded() {
		t.Fatal("no Patient params, or not SearchParamsLoaded after asking for them")
	}
}
