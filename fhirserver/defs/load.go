package defs

import (
	_ "embed" // the generated definitions
	"fmt"
	"sort"

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

// load indexes v from its embedded file, once. Loading is lazy so a binary
// that never touches a version (the manager, or a server for the other
// version) does not pay for it; call Load at start to pay up front instead.
// It decodes the head of the file (defsfile.DecodeIndex): the types'
// elements are decoded when each type is first used (build.go), the search
// parameters when they are first asked for (loadParams). The embedded data
// is generated and tested, so a failure here is a build defect and panics
// rather than threading an error through every lookup.
func (v *Version) load() {
	v.once.Do(func() {
		if err := v.index(); err != nil {
			panic(fmt.Sprintf("defs: load %s definitions: %v", v.Name, err))
		}
		v.loaded.Store(true)
	})
}

// loadParams indexes v's search parameters, once, after load: decoding
// them is ~0.3 MB of heap and reads ~400 KB of the embedded file, which a
// server that has not been searched or written to does not need (the
// search index fingerprint it checks at start is SearchParamsDigest). It
// panics on failure, like load.
func (v *Version) loadParams() {
	v.load()
	v.paramsOnce.Do(func() {
		if err := v.indexParams(); err != nil {
			panic(fmt.Sprintf("defs: load %s search parameters: %v", v.Name, err))
		}
		v.paramsLoaded.Store(true)
	})
}

// indexParams decodes the parameters left by fill and indexes them.
// REQUIRES: v loaded; inside v.paramsOnce (or before any reader, in tests).
func (v *Version) indexParams() error {
	ps, err := v.src.DecodeSearchParams()
	if err != nil {
		return err
	}
	return v.fillSearchParams(ps)
}
func (v *Version) index() error {
	data, err := embedded(v.file)
	if err != nil {
		return err
	}
	f, err := defsfile.DecodeIndex(data)
	if err != nil {
		return err
	}
	return v.fill(f)
}

// fill indexes v from a decoded file: every type by name (its tables are
// built on first use) and the compartments; it keeps f for the search
// parameters (indexParams), which f may hold decoded (Decode) or not yet
// (DecodeIndex).
func (v *Version) fill(f *defsfile.File) error {
	if f.Name != v.Name || f.FHIRVersion != v.FHIRVersion {
		return fmt.Errorf("file is %s %s, want %s %s", f.Name, f.FHIRVersion, v.Name, v.FHIRVersion)
	}
	v.types = make(map[string]*Type, len(f.Types))
	v.resourceNames = nil
	v.typeNames = make([]string, 0, len(f.Types))
	// The headers and root nodes of all types live in two slabs: they stay
	// for the life of the process, and one allocation each leaves no
	// garbage between them.
	slab := make([]Type, len(f.Types))
	roots := make([]Node, len(f.Types))
	for i := range f.Types {
		ft := &f.Types[i]
		t := &slab[i]
		if err := v.newType(t, ft); err != nil {
			return fmt.Errorf("type %s: %w", ft.Name, err)
		}
		if v.types[t.Name] != nil {
			return fmt.Errorf("type %s defined twice", t.Name)
		}
		roots[i] = Node{Type: t, Path: t.Name}
		t.Root = &roots[i]
		v.types[t.Name] = t
		v.typeNames = append(v.typeNames, t.Name)
		if t.Kind == KindResource && !t.Abstract {
			v.resourceNames = append(v.resourceNames, t.Name)
		}
	}
	sort.Strings(v.typeNames)
	sort.Strings(v.resourceNames)
	v.fillCompartments(f.Compartments)
	v.src, v.paramsDigest = f, f.ParamsDigest
	return nil
}

var kinds = map[string]TypeKind{
	defsfile.KindPrimitive: KindPrimitive,
	defsfile.KindComplex:   KindComplex,
	defsfile.KindResource:  KindResource,
}

// newType fills t's header from ft; build fills the rest on first use.
func (v *Version) newType(t *Type, ft *defsfile.Type) error {
	kind, ok := kinds[ft.Kind]
	if !ok {
		return fmt.Errorf("unknown kind %q", ft.Kind)
	}
	t.Name, t.Kind, t.Abstract, t.Base = ft.Name, kind, ft.Abstract, ft.Base
	t.Regex, t.JSONType = ft.Regex, ft.JSONType
	t.v, t.src = v, ft
	return nil
}
