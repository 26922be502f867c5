package search

import (
	"slices"
	"strings"
)

// The parameters of one type whose values another parameter's entries
// already hold: sharing a key (same type and expression) and unions of
// others (Observation's combo-*). Both are decided once per type, when
// its parameters are compiled (registry.compileType), and recorded on the
// param (key, parts) that indexing and query planning read.

// sharedKeys points each parameter of one type whose type and expression
// equal another's at the least code among them: their values are the same,
// so one set of index entries serves all (an entry per value and
// parameter is most of what a write costs). Composites, near and the
// parameters of every resource (_id, _lastUpdated, whose entries the
// repository writes) keep their own. Parameters are shared between types,
// so a pointed one is a copy.
func sharedKeys(m map[string]*param) {
	shareable := func(code string, p *param) bool {
		return p.expr != nil && p.typ != "composite" && !isNear(p) && !strings.HasPrefix(code, "_")
	}
	first := map[[2]string]string{}
	for code, p := range m {
		if !shareable(code, p) {
			continue
		}
		k := [2]string{p.typ, p.src}
		if c, ok := first[k]; !ok || code < c {
			first[k] = code
		}
	}
	for code, p := range m {
		if !shareable(code, p) {
			continue
		}
		if k := first[[2]string{p.typ, p.src}]; k != code {
			cp := *p
			cp.key = k
			m[code] = &cp
		}
	}
}

// oneTargetKeys marks the reference parameters of one type (oneTarget)
// whose entries are read only by parameters with exactly one target type:
// their plans read a bare id as that Type/id (referencePlan), so the
// bare-id entries ('d') would never be read. Observation's patient wrote
// one per Observation. A key any parameter of several (or unknown) targets
// reads keeps them, and so do composites' reference components.
func oneTargetKeys(m map[string]*param) {
	one := map[string]bool{}
	for _, p := range m {
		if p.typ != "reference" || p.expr == nil {
			continue
		}
		single := p.def != nil && len(p.def.Target) == 1
		if v, seen := one[p.key]; seen {
			single = single && v
		}
		one[p.key] = single
	}
	for code, p := range m {
		if p.typ == "reference" && one[p.key] {
			cp := *p
			cp.oneTarget = true
			m[code] = &cp
		}
	}
}

// forwardKeys points a reference parameter whose expression is another's
// filtered to one target type — Observation's patient is
// "Observation.subject.where(resolve() is Patient)" — at that one's
// forward entries ('f': own id, Type/id), which _has alone reads and which
// it filters by target type anyway: the parameter writes none of its own
// (48 pairs in R4, one entry per Observation, Condition, Encounter…). Its
// other entries stay its own: they are read by value, and the other
// parameter's would also hold references of other types.
func forwardKeys(m map[string]*param) {
	const filter = ".where(resolve() is "
	bySrc := map[string]string{} // expression → the least code writing it
	for code, p := range m {
		if p.typ == "reference" && p.expr != nil && p.key == code {
			if c, ok := bySrc[p.src]; !ok || code < c {
				bySrc[p.src] = code
			}
		}
	}
	type fwd struct{ key, typ string }
	owners := map[string]fwd{}
	for code, p := range m {
		if p.typ != "reference" || p.expr == nil || p.key != code {
			continue
		}
		i := strings.LastIndex(p.src, filter)
		if i < 0 || !strings.HasSuffix(p.src, ")") {
			continue
		}
		typ, base := p.src[i+len(filter):len(p.src)-1], p.src[:i]
		if strings.Contains(base, filter) {
			continue // the other may itself read a third's forward entries
		}
		q, ok := bySrc[base]
		if ok && q != code && typ != "" && leadingName(typ) == typ {
			owners[code] = fwd{q, typ}
		}
	}
	for code, p := range m {
		if f, ok := owners[p.key]; ok && p.typ == "reference" {
			cp := *p
			cp.forward, cp.forwardType = f.key, f.typ
			m[code] = &cp
		}
	}
}

// unionParts sets the parts of each parameter of one type whose expression
// is a union of others' (same type; for a composite, the same components):
// a value of a union is a value of one of its branches, each computed from
// its own node, so parameters whose branches together are the union's hold
// every value of it in their entries, and it needs none of its own but its
// sort entries (composites have none). Observation's combo-* parameters
// repeated a third of its entries. A part is no union itself (its entries
// are its values). Reference parameters keep their own: chains, _has,
// includes and compartments read one parameter's entries.
func unionParts(m map[string]*param) {
	branches := make(map[string][]string, len(m)) // each expression split once
	for code, p := range m {
		branches[code] = splitUnion(p.src)
	}
	covers := func(code string, p *param, usable func(string) bool) []string {
		bu := branches[code]
		if !unionable(code, p) || p.key != code || len(bu) < 2 {
			return nil
		}
		covered := map[string]bool{}
		var parts []string
		for qc, q := range m {
			// usable asks of the entries q is read from: a parameter sharing
			// a union's key holds no values either.
			if q == p || !unionable(qc, q) || q.typ != p.typ || componentsOf(q) != componentsOf(p) || !usable(q.key) {
				continue
			}
			bq := branches[qc]
			if len(bq) >= len(bu) || !subset(bq, bu) {
				continue
			}
			for _, b := range bq {
				covered[b] = true
			}
			if !slices.Contains(parts, q.key) {
				parts = append(parts, q.key)
			}
		}
		for _, b := range bu {
			if !covered[b] {
				return nil
			}
		}
		slices.Sort(parts)
		return parts
	}
	unions := map[string]bool{}
	for code, p := range m {
		unions[code] = covers(code, p, func(string) bool { return true }) != nil
	}
	for code, p := range m {
		if !unions[code] {
			continue
		}
		if parts := covers(code, p, func(c string) bool { return !unions[c] }); parts != nil {
			cp := *p
			cp.parts = parts
			m[code] = &cp
		}
	}
	// A parameter sharing a union's key reads what the union reads.
	for code, p := range m {
		if t := m[p.key]; p.key != code && t.parts != nil {
			cp := *p
			cp.parts = t.parts
			m[code] = &cp
		}
	}
}

// subset reports whether every string of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func unionable(code string, p *param) bool {
	return p.expr != nil && p.typ != "reference" && !isNear(p) && !strings.HasPrefix(code, "_")
}

// componentsOf identifies a composite's components (types and
// expressions); "" for other parameters.
func componentsOf(p *param) string {
	var b strings.Builder
	for i, c := range p.comp {
		b.WriteString(c.typ)
		b.WriteByte(0)
		b.WriteString(p.def.Component[i].Expression)
		b.WriteByte(0)
	}
	return b.String()
}

// indexKeys are the codes whose entries hold p's values.
func (p *param) indexKeys() []string {
	if p.parts != nil {
		return p.parts
	}
	return []string{p.key}
}
