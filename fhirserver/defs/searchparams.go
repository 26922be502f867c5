package defs

import (
	"fmt"
	"sort"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// fillSearchParams indexes the parameters by the resource types they apply
// to. A parameter based on Resource (_id, _lastUpdated, …) applies to every
// resource type and one based on DomainResource (_text) to every type that
// specialises DomainResource, so each type's index includes those.
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
			// v.types, not v.Resource: we are inside v.once.
			if t := v.types[base]; t == nil || t.Kind != KindResource {
				return fmt.Errorf("search parameter %s: base %s is not a resource type", p.URL, base)
			}
			own[base] = append(own[base], p)
		}
		v.allParams[i] = p
	}
	v.params = map[string]map[string]*SearchParam{}
	v.paramLists = map[string][]*SearchParam{}
	for name, t := range v.types {
		if t.Kind != KindResource {
			continue
		}
		byCode := map[string]*SearchParam{}
		for _, ancestor := range v.lineage(t) {
			for _, p := range own[ancestor] {
				if other := byCode[p.Code]; other != nil {
					return fmt.Errorf("search parameter %s on %s: code %s also defined by %s", p.URL, name, p.Code, other.URL)
				}
				byCode[p.Code] = p
			}
		}
		list := make([]*SearchParam, 0, len(byCode))
		for _, p := range byCode {
			list = append(list, p)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
		v.params[name] = byCode
		v.paramLists[name] = list
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
	v.load()
	return v.paramLists[resourceType]
}

// SearchParam returns the parameter with this code for a resource type
// (inherited ones included), or nil.
func (v *Version) SearchParam(resourceType, code string) *SearchParam {
	v.load()
	return v.params[resourceType][code]
}

// AllSearchParams returns every search parameter of the version, sorted by
// URL. The slice is shared: do not modify it.
func (v *Version) AllSearchParams() []*SearchParam {
	v.load()
	return v.allParams
}
