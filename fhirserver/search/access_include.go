package search

import (
	"net/url"
	"sort"
	"strings"
)

// includeUse is one _include or _revinclude value as written.
type includeUse struct {
	key, value string
	spec       includeSpec
	rev        bool
	reach      map[string]bool
}

// includeAccesses lists the types each include can return. A named
// parameter reaches its declared targets (all types when it declares none:
// the index stores whatever a reference points at) or the one its :Type
// form names; a _revinclude reaches its source type. The * forms depend on
// what is being included from: the searched types, and for :iterate
// everything any include reaches, until nothing new appears.
func (e *Engine) includeAccesses(types []string, params url.Values) ([]Access, error) {
	var uses []*includeUse
	keys := make([]string, 0, len(params))
	for k := range params {
		if strings.HasPrefix(k, "_include") || strings.HasPrefix(k, "_revinclude") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range params[k] {
			spec, err := e.parseInclude(types[0], k, v)
			if err != nil {
				return nil, err
			}
			uses = append(uses, &includeUse{key: k, value: v, spec: spec, rev: strings.HasPrefix(k, "_revinclude"), reach: map[string]bool{}})
		}
	}
	if len(uses) == 0 {
		return nil, nil
	}
	from := map[string]bool{}
	for _, t := range types {
		from[t] = true
	}
	for _, u := range uses {
		e.reachFrom(u, from)
	}
	for grew := true; grew; {
		grew = false
		for _, u := range uses {
			for t := range u.reach {
				if !from[t] {
					from[t], grew = true, true
				}
			}
		}
		for _, u := range uses {
			if u.spec.iterate {
				e.reachFrom(u, from)
			}
		}
	}
	out := make([]Access, 0, len(uses))
	for _, u := range uses {
		a := Access{Kind: AccessInclude, Param: u.key, Value: u.value}
		if u.rev {
			a.Kind = AccessRevInclude
		}
		for t := range u.reach {
			a.Types = append(a.Types, t)
		}
		sort.Strings(a.Types)
		if !u.rev && u.spec.source != "" && u.spec.target == "" && len(a.Types) > 1 && !strings.HasSuffix(u.value, ":*") {
			v := u.value
			a.narrow = func(t string) string { return v + ":" + t }
		}
		out = append(out, a)
	}
	return out, nil
}

// reachFrom adds to u.reach the types u returns when including from
// resources of the types in from.
func (e *Engine) reachFrom(u *includeUse, from map[string]bool) {
	s := u.spec
	switch {
	case u.rev && s.source != "":
		u.reach[s.source] = true
	case u.rev:
		for t := range from {
			for _, src := range e.reg.referrers(t) {
				u.reach[src.typ] = true
			}
		}
	case s.target != "":
		u.reach[s.target] = true
	case s.source != "":
		for _, p := range s.params {
			e.addTargets(u.reach, p)
		}
	default:
		for t := range from {
			for _, p := range e.reg.params(t) {
				if p.typ == "reference" && p.expr != nil {
					e.addTargets(u.reach, p)
				}
			}
		}
	}
}

// addTargets adds the types reference parameter p may point at.
func (e *Engine) addTargets(set map[string]bool, p *param) {
	if p.def == nil || len(p.def.Target) == 0 {
		for _, t := range e.v.ResourceTypes() {
			set[t] = true
		}
		return
	}
	for _, t := range p.def.Target {
		set[t] = true
	}
}
