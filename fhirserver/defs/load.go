package defs

import (
	_ "embed" // the generated definitions
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// The definitions hack/gendefs wrote; `make generate-fhir` rewrites them.
// Embedded as strings, they sit in the binary's read-only data and every
// string the loader slices out of them (paths, codes, expressions) points
// there instead of into a heap copy. Nothing assigns to them.
var (
	//go:embed generated/r4.defs
	r4Defs string
	//go:embed generated/stu3.defs
	stu3Defs string
)

// embedded returns the embedded file with this name.
func embedded(file string) (string, error) {
	switch file {
	case "generated/r4.defs":
		return r4Defs, nil
	case "generated/stu3.defs":
		return stu3Defs, nil
	}
	return "", fmt.Errorf("no embedded file %q", file)
}

// load fills v from its embedded file, once. Loading is lazy so a binary
// that never touches a version (the manager, or a server for the other
// version) does not pay for it; call Load at start to pay up front instead.
// The embedded data is generated and tested, so a failure here is a build
// defect and panics rather than threading an error through every lookup.
func (v *Version) load() {
	v.once.Do(func() {
		if err := v.build(); err != nil {
			panic(fmt.Sprintf("defs: load %s definitions: %v", v.Name, err))
		}
		v.loaded.Store(true)
	})
}

func (v *Version) build() error {
	data, err := embedded(v.file)
	if err != nil {
		return err
	}
	f, err := defsfile.Decode(data)
	if err != nil {
		return err
	}
	return v.fill(f)
}

// fill builds every lookup of v from a decoded file.
func (v *Version) fill(f *defsfile.File) error {
	if f.Name != v.Name || f.FHIRVersion != v.FHIRVersion {
		return fmt.Errorf("file is %s %s, want %s %s", f.Name, f.FHIRVersion, v.Name, v.FHIRVersion)
	}
	v.types = make(map[string]*Type, len(f.Types))
	v.resourceNames = nil
	v.typeNames = make([]string, 0, len(f.Types))
	for i := range f.Types {
		t, err := newType(&f.Types[i])
		if err != nil {
			return fmt.Errorf("type %s: %w", f.Types[i].Name, err)
		}
		if v.types[t.Name] != nil {
			return fmt.Errorf("type %s defined twice", t.Name)
		}
		v.types[t.Name] = t
		v.typeNames = append(v.typeNames, t.Name)
		if t.Kind == KindResource && !t.Abstract {
			v.resourceNames = append(v.resourceNames, t.Name)
		}
	}
	sort.Strings(v.typeNames)
	sort.Strings(v.resourceNames)
	// Props point at other types' roots, so they are built once every type exists.
	for _, name := range v.typeNames {
		if err := v.buildProps(v.types[name]); err != nil {
			return fmt.Errorf("type %s: %w", name, err)
		}
	}
	if err := v.fillSearchParams(f.SearchParams); err != nil {
		return err
	}
	v.fillCompartments(f.Compartments)
	return nil
}

var kinds = map[string]TypeKind{
	defsfile.KindPrimitive: KindPrimitive,
	defsfile.KindComplex:   KindComplex,
	defsfile.KindResource:  KindResource,
}

// newType converts one type and its elements; nodes are created here,
// their props in buildProps.
func newType(ft *defsfile.Type) (*Type, error) {
	kind, ok := kinds[ft.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", ft.Kind)
	}
	t := &Type{
		Name:     ft.Name,
		Kind:     kind,
		Abstract: ft.Abstract,
		Base:     ft.Base,
		Regex:    ft.Regex,
		JSONType: ft.JSONType,
		Elements: make([]*Element, len(ft.Elements)),
		byPath:   make(map[string]*Element, len(ft.Elements)),
		nodes:    map[string]*Node{},
	}
	if t.Regex != "" {
		re, err := regexp.Compile("^(?:" + t.Regex + ")$")
		if err != nil {
			return nil, fmt.Errorf("compile regex: %w", err)
		}
		t.Pattern = re
	}
	// One slab for all elements of the type and one for their type refs:
	// fewer allocations at load.
	slab := make([]Element, len(ft.Elements))
	nrefs := 0
	for i := range ft.Elements {
		nrefs += len(ft.Elements[i].Types)
	}
	refs := make([]TypeRef, nrefs)
	for i := range ft.Elements {
		fe := &ft.Elements[i]
		e := &slab[i]
		n := len(fe.Types)
		e.Types, refs = refs[:n:n], refs[n:]
		if err := fillElement(e, fe); err != nil {
			return nil, fmt.Errorf("element %s: %w", fe.Path, err)
		}
		t.Elements[i] = e
		t.byPath[e.Path] = e
	}
	if len(t.Elements) == 0 || t.Elements[0].Path != t.Name {
		return nil, fmt.Errorf("first element is not the root")
	}
	t.Root = &Node{Type: t, Path: t.Name}
	t.nodes[t.Name] = t.Root
	// An element with children in the snapshot is a backbone (or inline
	// Element) node; its children follow it, so parents are seen first.
	for _, e := range t.Elements[1:] {
		dot := strings.LastIndexByte(e.Path, '.')
		if dot < 0 || t.byPath[e.Path[:dot]] == nil {
			return nil, fmt.Errorf("element %s has no parent element", e.Path)
		}
		parent := e.Path[:dot]
		if t.nodes[parent] == nil {
			t.nodes[parent] = &Node{Type: t, Path: parent}
		}
	}
	return t, nil
}

func fillElement(e *Element, fe *defsfile.Element) error {
	e.Path = fe.Path
	name := fe.Path[strings.LastIndexByte(fe.Path, '.')+1:]
	e.Choice = strings.HasSuffix(name, "[x]")
	e.Name = strings.TrimSuffix(name, "[x]")
	e.Min = fe.Min
	if fe.Max == "*" {
		e.Max = -1
	} else {
		m, err := strconv.Atoi(fe.Max)
		if err != nil {
			return fmt.Errorf("max %q: %w", fe.Max, err)
		}
		e.Max = m
	}
	e.ContentReference = fe.ContentReference
	e.Summary = fe.Summary
	e.Modifier = fe.Modifier
	// e.Types arrives sized to fe.Types (see newType); empty stays nil.
	if len(fe.Types) == 0 {
		e.Types = nil
	}
	for i, ft := range fe.Types {
		e.Types[i] = TypeRef{Code: ft.Code, Targets: ft.Targets}
	}
	return nil
}
