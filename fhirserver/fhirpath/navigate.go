package fhirpath

import (
	"slices"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// children appends the children of it named name (a FHIRPath name, so
// "value" finds "valueQuantity" when the model says value is a choice), in
// document order, with a primitive's "_name" sibling attached.
func (c *evalCtx) children(it *Item, name string, out []Item) []Item {
	if ti, ok := it.sys.(typeInfoValue); ok {
		switch name {
		case "namespace":
			return append(out, Item{sys: ti.namespace})
		case "name":
			return append(out, Item{sys: ti.name})
		}
		return out
	}
	v := it.val
	if v == nil || v.Kind != fhirjson.Object {
		if it.ext != nil && (name == "extension" || name == "id") {
			// A primitive's id and extensions live in its "_name" sibling.
			// The sibling stands where the primitive does, so paths and
			// locations of its extensions come out right.
			sib := &Item{val: it.ext, typ: "Element", def: c.typeRoot("Element"), up: it.up, member: it.member, index: it.index}
			return c.children(sib, name, out)
		}
		return out
	}
	var seen [4]string
	found := seen[:0]
	for _, m := range v.Members {
		mn := m.Name
		if len(mn) > 1 && mn[0] == '_' {
			mn = mn[1:]
		}
		if mn != name && !c.isChoiceOf(it.def, mn, name) {
			continue
		}
		dup := false
		for _, f := range found {
			dup = dup || f == mn
		}
		if dup {
			continue
		}
		found = append(found, mn)
		out = c.appendMember(it, mn, out)
	}
	return out
}

// isChoiceOf reports whether the JSON name jsonName is the choice element
// name with a type suffix ("valueQuantity" for value).
func (c *evalCtx) isChoiceOf(def *defs.Node, jsonName, name string) bool {
	if def == nil || len(jsonName) <= len(name) || jsonName[:len(name)] != name {
		return false
	}
	if s := jsonName[len(name)]; s < 'A' || s > 'Z' {
		return false
	}
	p := def.Prop(jsonName)
	return p != nil && p.Element != nil && p.Element.Choice && p.Element.Name == name
}

// appendMember appends the items of the JSON member jsonName of it.
func (c *evalCtx) appendMember(it *Item, jsonName string, out []Item) []Item {
	val, ext := it.val.Get(jsonName), it.val.Get("_"+jsonName)
	var prop *defs.Prop
	if it.def != nil {
		prop = it.def.Prop(jsonName)
	}
	one := func(v, e *fhirjson.Value, idx int) {
		if v != nil && v.Kind == fhirjson.Null {
			v = nil
		}
		if e != nil && e.Kind != fhirjson.Object {
			e = nil
		}
		if v == nil && e == nil {
			return
		}
		child := Item{val: v, ext: e, up: it, member: jsonName, index: idx}
		if prop != nil {
			child.typ = prop.TypeCode
			child.def = prop.Children
		}
		if rt := v.Str("resourceType"); rt != "" && (prop == nil || !prop.Primitive) {
			child.typ = rt
			child.def = c.typeRoot(rt)
		}
		out = append(out, child)
	}
	if (val != nil && val.Kind == fhirjson.Array) || (val == nil && ext != nil && ext.Kind == fhirjson.Array) {
		n := 0
		if val != nil {
			n = len(val.Items)
		}
		if ext != nil && ext.Kind == fhirjson.Array && len(ext.Items) > n {
			n = len(ext.Items)
		}
		out = slices.Grow(out, n)
		for i := 0; i < n; i++ {
			var v, e *fhirjson.Value
			if val != nil && i < len(val.Items) {
				v = val.Items[i]
			}
			if ext != nil && ext.Kind == fhirjson.Array && i < len(ext.Items) {
				e = ext.Items[i]
			}
			one(v, e, i)
		}
		return out
	}
	one(val, ext, -1)
	return out
}

func (c *evalCtx) typeRoot(name string) *defs.Node {
	if c.model == nil {
		return nil
	}
	if t := c.model.Type(name); t != nil {
		return t.Root
	}
	return nil
}

// isSubtype reports whether FHIR type typ is name or derives from it
// (Observation → DomainResource → Resource; code → string; Age → Quantity).
func (c *evalCtx) isSubtype(typ, name string) bool {
	for range 16 { // the deepest FHIR hierarchy is 4 levels; bound it anyway
		if typ == "" {
			return false
		}
		if typ == name {
			return true
		}
		if c.model == nil {
			return false
		}
		t := c.model.Type(typ)
		if t == nil {
			return false
		}
		typ = baseName(t.Base)
	}
	return false
}

// baseName accepts a base given as a name or as a StructureDefinition URL.
func baseName(b string) string {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '/' {
			return b[i+1:]
		}
	}
	return b
}

// isType implements `is`: a node's FHIR type (or a base of it) against the
// FHIR namespace, a System value's type against the System namespace, and
// an unqualified name against either, as fhirpath.js does.
func (c *evalCtx) isType(it Item, ts typeSpec) bool {
	if it.IsNode() {
		if ts.namespace != "" && ts.namespace != "FHIR" {
			return false
		}
		return c.isSubtype(it.typ, c.fhirTypeName(ts))
	}
	if ts.namespace != "" && ts.namespace != "System" {
		return false
	}
	n := systemTypeName(it.sys)
	return n == ts.name || ts.name == "Any"
}

// systemTypes are the System type names, which never fall back to a FHIR
// type of another case.
var systemTypes = map[string]bool{
	"Any": true, "Boolean": true, "String": true, "Integer": true, "Decimal": true,
	"Date": true, "DateTime": true, "Time": true, "Quantity": true,
}

// fhirTypeName returns the FHIR type a type specifier names. STU3's
// published expressions write `as(Uri)` for the primitive uri; when no
// type has the exact name and it is not a System type, the name with a
// lower-case first letter is tried, so such parameters still index.
func (c *evalCtx) fhirTypeName(ts typeSpec) string {
	n := ts.name
	if c.model == nil || ts.namespace == "System" || systemTypes[n] || n == "" || n[0] < 'A' || n[0] > 'Z' {
		return n
	}
	if c.model.Type(n) != nil {
		return n
	}
	if lower := string(n[0]-'A'+'a') + n[1:]; c.model.Type(lower) != nil {
		return lower
	}
	return n
}

// ofType keeps the items of the given type.
func (c *evalCtx) ofType(xs []Item, ts typeSpec) []Item {
	var out []Item
	for _, it := range xs {
		if c.isType(it, ts) {
			out = append(out, it)
		}
	}
	return out
}
