package merge

import (
	"slices"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Merge returns the downstream resource of one group of contributors of
// typ (a merged type; see Groups), or nil when there are none or typ is no
// R4 resource type. Which elements repeat comes from defs.R4:
//
//   - a repeating element (identifier, name, telecom, address, …) is the
//     union of every contributor's items, equal items (fhirjson equality)
//     once, in order of contributor recency, then position;
//   - a single-valued element (gender, birthDate, deceased[x], text, …)
//     comes whole from the most recent contributor that has it, with its
//     primitive extensions ("_birthDate") and whichever choice type that
//     contributor used;
//   - root extension and modifierExtension: for each URL, the items of that
//     URL from the most recent contributor that has it.
//
// The most recent contributor is the one with the latest LastUpdated; ties
// go to the smallest (Source, Type, ID), so the result never depends on
// the order of contributors. Properties defs.R4 does not know are dropped.
// The id is GroupID; meta holds one ContributorExtensionURL extension per
// contributor (sorted by Source, Type, ID, so the order does not churn
// when recency changes), the union of the contributors' meta.security and
// meta.tag, and a source-organization label per customer. meta.versionId
// and lastUpdated are left to the downstream store; meta.profile and
// meta.source are dropped, as a merge conforms to no one source's profile
// and comes from more than one source. References are left alone
// (RewriteReferences does them). The contributors are not changed.
func Merge(typ string, contributors []Contributor) *fhirjson.Value {
	t := defs.R4.Resource(typ)
	if len(contributors) == 0 || t == nil || t.Abstract {
		return nil
	}
	byRecency := slices.Clone(contributors)
	slices.SortStableFunc(byRecency, compareRecency)

	// elems[e][i] are the members of contributor i (by recency) that hold
	// element e: one, or two with a primitive's "_" sibling.
	elems := map[*defs.Element][][]fhirjson.Member{}
	for i, c := range byRecency {
		if c.Resource == nil || c.Resource.Kind != fhirjson.Object {
			continue
		}
		for _, m := range c.Resource.Members {
			switch m.Name {
			case "resourceType", "id", "meta":
				continue
			}
			prop := t.Root.Prop(strings.TrimPrefix(m.Name, "_"))
			if prop == nil || (m.Name[0] == '_' && !prop.Primitive) {
				continue
			}
			per := elems[prop.Element]
			if per == nil {
				per = make([][]fhirjson.Member, len(byRecency))
				elems[prop.Element] = per
			}
			per[i] = append(per[i], m)
		}
	}

	out := fhirjson.NewObject()
	out.Set("resourceType", fhirjson.NewString(typ))
	out.Set("id", fhirjson.NewString(GroupID(contributors)))
	out.Set("meta", mergedMeta(contributors, byRecency))
	for _, e := range t.Elements() {
		per := elems[e]
		if per == nil {
			continue
		}
		switch {
		case e.Name == "extension" || e.Name == "modifierExtension":
			if v := extensionsByURL(per); v != nil {
				out.Set(e.Name, v)
			}
		case e.IsArray():
			unionArray(out, t.Root.Prop(e.Name), per)
		default:
			for _, ms := range per {
				if len(ms) > 0 {
					for _, m := range ms {
						out.Set(m.Name, m.Value.Clone())
					}
					break
				}
			}
		}
	}
	return out
}

// compareRecency orders the most recent contributor first; ties by
// Member, then the later version first.
func compareRecency(a, b Contributor) int {
	if c := b.LastUpdated.Compare(a.LastUpdated); c != 0 {
		return c
	}
	if c := compareMembers(a.Member(), b.Member()); c != 0 {
		return c
	}
	return strings.Compare(b.VersionID, a.VersionID)
}

// unionArray sets the union of a repeating element. A repeating primitive
// pairs each value with its extension item ("given" with "_given"), so a
// pair is one item.
func unionArray(out *fhirjson.Value, prop *defs.Prop, per [][]fhirjson.Member) {
	type pair struct{ v, ext *fhirjson.Value }
	var items []pair
	add := func(p pair) {
		for _, q := range items {
			if equalOrNull(p.v, q.v) && equalOrNull(p.ext, q.ext) {
				return
			}
		}
		items = append(items, p)
	}
	for _, ms := range per {
		var vals, exts []*fhirjson.Value
		for _, m := range ms {
			if m.Value.Kind != fhirjson.Array {
				continue // lenient: a lone value is the source's syntax problem
			}
			if m.Name[0] == '_' {
				exts = m.Value.Items
			} else {
				vals = m.Value.Items
			}
		}
		for i := 0; i < max(len(vals), len(exts)); i++ {
			var p pair
			if i < len(vals) {
				p.v = vals[i]
			}
			if i < len(exts) {
				p.ext = exts[i]
			}
			if !isNull(p.v) || !isNull(p.ext) {
				add(p)
			}
		}
	}
	if len(items) == 0 {
		return
	}
	vals := make([]*fhirjson.Value, len(items))
	exts := make([]*fhirjson.Value, len(items))
	hasVal, hasExt := false, false
	for i, p := range items {
		vals[i], exts[i] = cloneOrNull(p.v), cloneOrNull(p.ext)
		hasVal = hasVal || !isNull(p.v)
		hasExt = hasExt || !isNull(p.ext)
	}
	if hasVal {
		out.Set(prop.JSONName, fhirjson.NewArray(vals...))
	}
	if hasExt && prop.Primitive {
		out.Set("_"+prop.JSONName, fhirjson.NewArray(exts...))
	}
}

// extensionsByURL keeps, for each URL, the extensions of the most recent
// contributor that has one, in order of first appearance.
func extensionsByURL(per [][]fhirjson.Member) *fhirjson.Value {
	taken := map[string]bool{}
	var out []*fhirjson.Value
	for _, ms := range per {
		for _, m := range ms {
			if m.Value.Kind != fhirjson.Array {
				continue
			}
			mine := map[string]bool{}
			for _, it := range m.Value.Items {
				if it == nil || it.Kind != fhirjson.Object {
					continue
				}
				url := it.Str("url")
				if taken[url] && !mine[url] {
					continue
				}
				taken[url], mine[url] = true, true
				out = append(out, it.Clone())
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return fhirjson.NewArray(out...)
}

func isNull(v *fhirjson.Value) bool { return v == nil || v.Kind == fhirjson.Null }

func equalOrNull(a, b *fhirjson.Value) bool {
	if isNull(a) || isNull(b) {
		return isNull(a) && isNull(b)
	}
	return a.Equal(b)
}

func cloneOrNull(v *fhirjson.Value) *fhirjson.Value {
	if isNull(v) {
		return &fhirjson.Value{Kind: fhirjson.Null}
	}
	return v.Clone()
}
