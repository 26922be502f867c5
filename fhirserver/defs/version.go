package defs

import "strings"

// R4 and STU3 are the two FHIR releases fhirfleet serves. Each loads its
// embedded definitions on first use and is read-only afterwards, so both are
// safe to share between goroutines.
var (
	R4   = newVersion("R4", "4.0.1", "generated/r4.defs")
	STU3 = newVersion("STU3", "3.0.2", "generated/stu3.defs")
)

func newVersion(name, fhirVersion, file string) *Version {
	return &Version{Name: name, FHIRVersion: fhirVersion, file: file}
}

// ByName returns the version named by a FhirEndpoint or a client: "R4" or
// "STU3" (any case, "R3" too), or a release such as "4.0.1", "4.0", "3.0.2"
// or "3.0" (as in a fhirVersion mime-type parameter). Nil if unknown.
func ByName(name string) *Version {
	switch strings.ToUpper(strings.TrimSpace(name)) {
	case "R4", "4.0.1", "4.0":
		return R4
	case "STU3", "R3", "3.0.2", "3.0":
		return STU3
	}
	return nil
}

// Load indexes the definitions now instead of on their first use (well
// under a millisecond). Each type's tables are still built on that type's
// first use (see build.go), and the search parameters on theirs.
func (v *Version) Load() { v.load() }

// Loaded reports whether the definitions have been decoded. A server
// checks nothing with it; tests use it to prove that a server of one version
// never pays for the other's definitions.
func (v *Version) Loaded() bool { return v.loaded.Load() }

// BuiltTypes returns the names of the types whose tables have been built
// (Type.Built), sorted; nil while the version is not loaded. Tests use it.
func (v *Version) BuiltTypes() []string {
	if !v.Loaded() {
		return nil
	}
	var names []string
	for _, name := range v.typeNames {
		if v.types[name].Built() {
			names = append(names, name)
		}
	}
	return names
}

// Type returns any type (primitive, complex or resource) by name, or nil.
func (v *Version) Type(name string) *Type {
	v.load()
	return v.types[name]
}

// Resource returns a resource type by name, including the abstract
// Resource and DomainResource; nil for data types and unknown names.
func (v *Version) Resource(name string) *Type {
	v.load()
	if t := v.types[name]; t != nil && t.Kind == KindResource {
		return t
	}
	return nil
}

// ResourceTypes returns the concrete resource type names, sorted. The slice
// is shared: do not modify it.
func (v *Version) ResourceTypes() []string {
	v.load()
	return v.resourceNames
}

// TypeNames returns the names of every type, sorted. The slice is shared:
// do not modify it.
func (v *Version) TypeNames() []string {
	v.load()
	return v.typeNames
}
