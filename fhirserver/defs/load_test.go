package defs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
	"github.com/fhirfleet/fhirfleet/internal/cputime"
)

// miniFile is a tiny but complete definition set the error cases below
// each break in one place.
func miniFile() *defsfile.File {
	return &defsfile.File{
		Generated: defsfile.GeneratedMarker, Name: "R4", FHIRVersion: "4.0.1",
		Types: []defsfile.Type{
			{Name: "Element", Kind: defsfile.KindComplex, Abstract: true, Elements: []defsfile.Element{
				{Path: "Element", Max: "*"},
				{Path: "Element.id", Max: "1", Types: []defsfile.TypeRef{{Code: "string"}}},
			}},
			{Name: "Resource", Kind: defsfile.KindResource, Abstract: true, Elements: []defsfile.Element{
				{Path: "Resource", Max: "*"},
				{Path: "Resource.id", Max: "1", Types: []defsfile.TypeRef{{Code: "string"}}},
			}},
			{Name: "Thing", Kind: defsfile.KindResource, Base: "Resource", Elements: []defsfile.Element{
				{Path: "Thing", Max: "*"},
				{Path: "Thing.id", Max: "1", Types: []defsfile.TypeRef{{Code: "string"}}},
				{Path: "Thing.part", Max: "*", Types: []defsfile.TypeRef{{Code: "Element"}}},
				{Path: "Thing.part.id", Max: "1", Types: []defsfile.TypeRef{{Code: "string"}}},
				{Path: "Thing.part.part", Max: "*", ContentReference: "#Thing.part"},
				{Path: "Thing.value[x]", Max: "1", Types: []defsfile.TypeRef{{Code: "string"}, {Code: "Element"}}},
			}},
			{Name: "string", Kind: defsfile.KindPrimitive, Base: "Element", Regex: "[ \\S]+", JSONType: "string", Elements: []defsfile.Element{
				{Path: "string", Max: "*"},
				{Path: "string.id", Max: "1", Types: []defsfile.TypeRef{{Code: "string"}}},
				{Path: "string.value", Max: "1"},
			}},
		},
		SearchParams: []defsfile.SearchParam{
			{URL: "u:id", Code: "_id", Base: []string{"Resource"}, Type: "token", Expression: "Resource.id"},
			{URL: "u:part", Code: "part", Base: []string{"Thing"}, Type: "string", Expression: "Thing.part.id"},
		},
		Compartments: []defsfile.Compartment{{Code: "Thing", Resources: map[string][]string{"Thing": {"{def}"}}}},
	}
}

// versionFrom fills a Version from f as its one load, so the accessors do
// not go to the embedded files.
func versionFrom(f *defsfile.File) (*Version, error) {
	v := newVersion(f.Name, f.FHIRVersion, "")
	var err error
	v.once.Do(func() { err = v.fill(f) })
	return v, err
}

// buildAll builds every type of v as its first use would, returning the
// first error where first use panics.
func buildAll(v *Version) error {
	for _, name := range v.typeNames {
		t := v.types[name]
		t.mu.Lock()
		var err error
		if !t.built.Load() {
			err = t.build()
		}
		t.mu.Unlock()
		if err != nil {
			return fmt.Errorf("type %s: %w", name, err)
		}
	}
	return nil
}

func TestFillMini(t *testing.T) {
	v, err := versionFrom(miniFile())
	if err != nil {
		t.Fatal(err)
	}
	thing := v.Resource("Thing")
	if got := v.ResourceTypes(); len(got) != 1 || got[0] != "Thing" {
		t.Errorf("ResourceTypes = %v", got)
	}
	part := thing.Root.Prop("part")
	if part == nil || part.Children != thing.Node("Thing.part") || part.Children.Prop("part").Children != part.Children {
		t.Errorf("part / content reference not wired: %+v", part)
	}
	if thing.Root.Prop("valueString") == nil || thing.Root.Prop("valueElement") == nil {
		t.Errorf("choice not expanded: %v", thing.Root.Props())
	}
	if len(v.SearchParams("Thing")) != 2 || v.SearchParam("Thing", "_id") == nil {
		t.Errorf("params %v", v.SearchParams("Thing"))
	}
	if v.Type("string").Root.Prop("value") != nil {
		t.Error("primitive value became a property")
	}
}

func TestFillRejects(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(f *defsfile.File)
		want   string
	}{
		{"version mismatch", func(f *defsfile.File) { f.FHIRVersion = "3.0.2" }, "want R4 4.0.1"},
		{"unknown kind", func(f *defsfile.File) { f.Types[0].Kind = "logical" }, "unknown kind"},
		{"type twice", func(f *defsfile.File) { f.Types = append(f.Types, f.Types[0]) }, "defined twice"},
		{"bad regex", func(f *defsfile.File) { f.Types[3].Regex = "(" }, "compile regex"},
		{"bad max", func(f *defsfile.File) { f.Types[2].Elements[1].Max = "many" }, "max"},
		{"no root", func(f *defsfile.File) { f.Types[2].Elements = f.Types[2].Elements[1:] }, "root"},
		{"orphan", func(f *defsfile.File) { f.Types[2].Elements[3].Path = "Thing.nope.id" }, "no parent"},
		{"unknown type", func(f *defsfile.File) { f.Types[2].Elements[1].Types[0].Code = "Nope" }, `unknown type "Nope"`},
		{"two types", func(f *defsfile.File) {
			f.Types[2].Elements[1].Types = append(f.Types[2].Elements[1].Types, defsfile.TypeRef{Code: "Element"})
		}, "non-choice"},
		{"no type", func(f *defsfile.File) { f.Types[2].Elements[1].Types = nil }, "no type"},
		{"bad content reference", func(f *defsfile.File) { f.Types[2].Elements[4].ContentReference = "#Thing.id" }, "content reference"},
		{"param base", func(f *defsfile.File) { f.SearchParams[1].Base = []string{"Element"} }, "not a resource type"},
		{"param clash", func(f *defsfile.File) { f.SearchParams[1].Code = "_id" }, "also defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := miniFile()
			tc.break_(f)
			v := newVersion("R4", "4.0.1", "")
			err := v.fill(f)
			if err == nil {
				err = v.indexParams()
			}
			if err == nil {
				err = buildAll(v)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestEmbeddedFilesLoad(t *testing.T) {
	for _, v := range []*Version{newVersion("R4", "4.0.1", "generated/r4.defs"), newVersion("STU3", "3.0.2", "generated/stu3.defs")} {
		if err := v.index(); err != nil {
			t.Errorf("%s: %v", v.Name, err)
		}
		if err := v.indexParams(); err != nil {
			t.Errorf("%s: %v", v.Name, err)
		}
		if err := buildAll(v); err != nil {
			t.Errorf("%s: %v", v.Name, err)
		}
	}
	if err := newVersion("R4", "4.0.1", "generated/nope.defs").index(); err == nil {
		t.Error("missing file loaded")
	}
	if err := newVersion("R4", "4.0.1", "generated/stu3.defs").index(); err == nil {
		t.Error("STU3 file loaded as R4")
	}
}

// FuzzFill feeds decodable definition files to the loader: whatever a file
// says, loading returns an error rather than panicking.
func FuzzFill(f *testing.F) {
	// The first types and a few parameters of the real file, as a seed.
	real, err := defsfile.Decode(r4Defs)
	if err != nil {
		f.Fatal(err)
	}
	real.Types, real.SearchParams, real.Compartments = real.Types[:12], real.SearchParams[:10], nil
	seed, err := defsfile.Encode(real)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(seed))
	mini, err := defsfile.Encode(miniFile())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(mini))
	f.Fuzz(func(t *testing.T, s string) {
		file, err := defsfile.Decode(s)
		if err != nil {
			return
		}
		v := newVersion(file.Name, file.FHIRVersion, "")
		if v.fill(file) == nil && v.indexParams() == nil {
			_ = buildAll(v)
		}
	})
}

// BenchmarkLoad measures what a server pays at start for one version:
// reading the head of the embedded file and indexing it (R4, STU3), what
// the search parameters add on their first use (R4/params), and what
// building every type's tables adds (R4/all; a server builds only the types
// it uses, on first use). Besides wall time it reports cpu-ms/op (user+system CPU of the
// process, GC included), which stays meaningful when the machine is shared
// and wall time is not.
func BenchmarkLoad(b *testing.B) {
	for _, tc := range []struct {
		name, version, file string
		params, all         bool
	}{
		{"R4", "4.0.1", "generated/r4.defs", false, false},
		{"STU3", "3.0.2", "generated/stu3.defs", false, false},
		{"R4/params", "4.0.1", "generated/r4.defs", true, false},
		{"R4/all", "4.0.1", "generated/r4.defs", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cputime.Process()
			for b.Loop() {
				v := newVersion(tc.name[:strings.IndexAny(tc.name+"/", "/")], tc.version, tc.file)
				if err := v.index(); err != nil {
					b.Fatal(err)
				}
				if tc.params {
					if err := v.indexParams(); err != nil {
						b.Fatal(err)
					}
				}
				if tc.all {
					if err := buildAll(v); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64((cputime.Process()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
