package defs

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// TestTypesBuildOnFirstUse: loading a version builds no type's tables;
// asking a type for its properties builds that type only, and following a
// property to another type builds that one when its own properties are
// asked for.
func TestTypesBuildOnFirstUse(t *testing.T) {
	v := newVersion("R4", "4.0.1", "generated/r4.defs")
	obs := v.Resource("Observation")
	if obs == nil || len(v.ResourceTypes()) < 140 || len(v.SearchParams("Observation")) == 0 {
		t.Fatal("version not indexed")
	}
	if got := v.BuiltTypes(); len(got) != 0 {
		t.Fatalf("built on load: %v", got)
	}
	code := obs.Root.Prop("code")
	if code == nil || code.Type.Name != "CodeableConcept" {
		t.Fatalf("Observation.code = %+v", code)
	}
	if got := v.BuiltTypes(); !slices.Equal(got, []string{"Observation"}) {
		t.Fatalf("after one property of Observation, built %v", got)
	}
	if code.Children.Prop("coding") == nil {
		t.Fatal("CodeableConcept.coding missing")
	}
	if got := v.BuiltTypes(); !slices.Equal(got, []string{"CodeableConcept", "Observation"}) {
		t.Fatalf("after CodeableConcept.coding, built %v", got)
	}
	// Type.Pattern and Type.Element build too.
	if v.Type("uuid").Pattern() == nil || v.Type("Patient").Element("Patient.name") == nil {
		t.Fatal("uuid pattern or Patient.name missing")
	}
	if got := v.BuiltTypes(); !slices.Equal(got, []string{"CodeableConcept", "Observation", "Patient", "uuid"}) {
		t.Fatalf("built %v", got)
	}
}

// TestConcurrentFirstBuild: goroutines racing on a type's first property
// lookup all see it fully built (run with -race to check the hand-off
// through Type.built).
func TestConcurrentFirstBuild(t *testing.T) {
	v := newVersion("R4", "4.0.1", "generated/r4.defs")
	obs := v.Resource("Observation")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			comp := obs.Root.Prop("component")
			if comp == nil || comp.Children.Prop("valueQuantity") == nil || len(obs.Node("Observation.component").Required()) != 1 {
				errs <- "saw a partly built Observation"
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestFailedBuildKeepsNothing: a type whose elements are broken panics on
// first use, and again on the next, instead of answering from half-built
// tables.
func TestFailedBuildKeepsNothing(t *testing.T) {
	f := miniFile()
	f.Types[2].Elements[1].Types[0].Code = "Nope" // Thing.id
	v, err := versionFrom(f)
	if err != nil {
		t.Fatal(err)
	}
	thing := v.Resource("Thing")
	for i := range 2 {
		func() {
			defer func() {
				if p := recover(); p == nil || !strings.Contains(p.(string), `build R4 type Thing: element Thing.id: unknown type "Nope"`) {
					t.Errorf("use %d: panic %v", i, p)
				}
			}()
			thing.Root.Prop("part")
		}()
		if thing.Built() || thing.Root.props != nil || thing.elements != nil {
			t.Fatalf("use %d: a failed build left tables behind", i)
		}
	}
	// Other types are unaffected.
	if v.Type("string").Root.Prop("id") == nil {
		t.Error("string.id missing")
	}
}

func TestRequired(t *testing.T) {
	tests := []struct {
		v    *Version
		node string
		want []string
	}{
		{R4, "Observation", []string{"Observation.status", "Observation.code"}},
		{R4, "Observation.component", []string{"Observation.component.code"}},
		{R4, "Bundle.entry.request", []string{"Bundle.entry.request.method", "Bundle.entry.request.url"}},
		{R4, "MedicationRequest", []string{"MedicationRequest.status", "MedicationRequest.intent", "MedicationRequest.medication[x]", "MedicationRequest.subject"}},
		{R4, "Extension", []string{"Extension.url"}},
		{R4, "string", nil}, // string.value is min 0 in R4; a primitive's value is never listed
		{STU3, "Patient", nil},
	}
	for _, tc := range tests {
		t.Run(tc.v.Name+"/"+tc.node, func(t *testing.T) {
			typeName, _, _ := strings.Cut(tc.node, ".")
			var got []string
			for _, e := range tc.v.Type(typeName).Node(tc.node).Required() {
				got = append(got, e.Path)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Required = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPrimitiveValueNeverRequired: a primitive whose value element has
// min 1 (none in the spec, but the loader must not depend on it) does not
// list it: the value is the JSON value beside the "_" object.
func TestPrimitiveValueNeverRequired(t *testing.T) {
	f := miniFile()
	f.Types[3].Elements[2].Min = 1 // string.value
	f.Types[3].Elements[1].Min = 1 // string.id
	v, err := versionFrom(f)
	if err != nil {
		t.Fatal(err)
	}
	req := v.Type("string").Root.Required()
	if len(req) != 1 || req[0].Path != "string.id" {
		t.Errorf("Required = %v", req)
	}
}

// TestBuildDecodesTheEmbeddedRecords: a type of the embedded file builds
// from its own elem records and nothing else.
func TestBuildDecodesTheEmbeddedRecords(t *testing.T) {
	f, err := defsfile.Decode(r4Defs)
	if err != nil {
		t.Fatal(err)
	}
	for _, ft := range f.Types {
		if ft.Name != "Timing" {
			continue
		}
		var want []string
		for _, e := range ft.Elements {
			want = append(want, e.Path)
		}
		var got []string
		for _, e := range R4.Type("Timing").Elements() {
			got = append(got, e.Path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Timing elements = %v, want %v", got, want)
		}
		return
	}
	t.Fatal("no Timing in the file")
}

// BenchmarkFirstUse is what the first request touching a type pays to
// build it: Observation (50 elements) and Patient (45) on a freshly indexed
// version. Warm lookups are BenchmarkPropLookup.
func BenchmarkFirstUse(b *testing.B) {
	for _, name := range []string{"Observation", "Patient"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				v := newVersion("R4", "4.0.1", "generated/r4.defs")
				if err := v.index(); err != nil {
					b.Fatal(err)
				}
				t := v.Resource(name)
				b.StartTimer()
				if t.Root.Prop("id") == nil {
					b.Fatal("no id")
				}
			}
		})
	}
}
