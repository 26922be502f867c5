package defs

import (
	"fmt"
	"sort"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// fillSearchParams indexes the parameters by the resource types they apply
// to. A parameter based on Resource (_id, _lastUpdated, …) applies to every
// resource type and one based on DomainResource (_text) to every type that
// specialises DomainResource, so each type's list includes those. Each list
// is sorted by code and a lookup by code is a binary search of it: a type
// has a few dozen parameters, and a map per type cost more memory than all
// the lists together.
func (v *Version) fillSearchParams(fps []defsfile.SearchParam) error {
	v.allParams = make([]*SearchParam, len(fps))
	slab := make([]SearchParam, len(fps))
	own := map[string][]*SearchParam{}
	for i := range fps {
		fp := &fps[i]
		p := &slab[i]
		*p = SearchParam{
			URL: fp.URL, Code: fp.Code, Base: fp.Base, Type: fp.Type, Expression: fp.Expression,
			Target: fp.Target, Modifier: fp.Modifier, Comparator: fp.Comparator,
			MultipleOr: fp.MultipleOr, MultipleAnd: fp.MultipleAnd,
		}
		for _, c := range fp.Component {
			p.Component = append(p.Component, Component(c))
		}
		for _, base := range p.Base {
			// v.types, not v.Resource: we are inside v.paramsOnce.
			if t := v.types[base]; t == nil || t.Kind != KindResource {
				return fmt.Errorf("search parameter %s: base %s is not a resource type", p.URL, base)
			}
			own[base] = append(own[base], p)
		}
		v.allParams[i] = p
	}
	// Every type's list is a stretch of one slab of pointers.
	total := 0
	for _, name := range v.typeNames {
		if t := v.types[name]; t.Kind == KindResource {
			for _, ancestor := range v.lineage(t) {
				total += len(own[ancestor])
			}
		}
	}
	lists := make([]*SearchParam, 0, total)
	for _, name := range v.typeNames {
		t := v.types[name]
		if t.Kind != KindResource {
			continue
		}
		start := len(lists)
		for _, ancestor := range v.lineage(t) {
			lists = append(lists, own[ancestor]...)
		}
		list := lists[start:len(lists):len(lists)]
		sort.SliceStable(list, func(i, j int) bool { return list[i].Code < list[j].Code })
		for i := 1; i < len(list); i++ {
			if list[i].Code == list[i-1].Code {
				return fmt.Errorf("search parameter %s on %s: code %s also defined by %s", list[i].URL, name, list[i].Code, list[i-1].URL)
			}
		}
		t.params = list
	}
	return nil
}

// lineage is t's name followed by its base types' names up to Resource.
func (v *Version) lineage(t *Type) []string {
	var names []string
	for ; t != nil && len(names) < 10; t = v.types[t.Base] {
		names = append(names, t.Name)
	}
	return names
}

// SearchParams returns the parameters a resource type can be searched by,
// including those defined on Resource and DomainResource, sorted by code.
// Nil for unknown types. The slice is shared: do not modify it.
func (v *Version) SearchParams(resourceType string) []*SearchParam {
	v.loadParams()
	if t := v.types[resourceType]; t != nil {
		return t.params
	}
	return nil
}

// SearchParam returns the parameter with this code for a resource type
// (inherited ones included), or nil.
func (v *Version) SearchParam(resourceType, code string) *SearchParam {
	list := v.SearchParams(resourceType)
	i := sort.Search(len(list), func(i int) bool { return list[i].Code >= code })
	if i < len(list) && list[i].Code == code {
		return list[i]
	}
	return nil
}

// AllSearchParams returns every search parameter of the version, sorted by
// URL. The slice is shared: do not modify it.
func (v *Version) AllSearchParams() []*SearchParam {
	v.loadParams()
	return v.allParams
}

// SearchParamsDigest is SHA-256, in hex, over every search parameter of the
// version in URL order (the file's order: hack/gendefs sorts them by
// URL): its URL, code, type and expression, then each
// component's definition and expression, each followed by a NUL byte. It is
// what a search index depends on, so a store can compare it (package search
// builds its index fingerprint from it) without decoding the parameters:
// the generator wrote it into the file (defsfile.ParamsDigest), and
// decoding the parameters checks it.
func (v *Version) SearchParamsDigest() string {
	v.load()
	return v.paramsDigest
}

// SearchParamsLoaded reports whether the search parameters have been
// decoded. A server checks nothing with it; tests use it to prove that an
// idle server has not.
func (v *Version) SearchParamsLoaded() bool { return v.paramsLoaded.Load() }
