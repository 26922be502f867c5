package mapping

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// node maps one object in place, element by element: r4 is its R4 node,
// s3 its STU3 node (nil for an object a rule built in R4 shape), loc its
// location for errors. The rule of s3's path, if any, runs first and turns
// what changed between the versions into R4 shape; then every member is
// copied when R4 has a property of that name and a compatible type,
// re-shaped to R4's cardinality, and otherwise kept as an extension.
func (m *Mapper) node(obj *fhirjson.Value, r4, s3 *defs.Node, loc string) error {
	var shaped map[string]bool
	if s3 != nil {
		if rule := m.rules[s3.Path]; rule != nil {
			c := &ruleCtx{m: m, s3: s3, loc: loc}
			if err := rule(c, obj); err != nil {
				return err
			}
			shaped = c.shaped
		}
	}
	var exts, modExts []*fhirjson.Value
	members := make([]fhirjson.Member, 0, len(obj.Members))
	for _, mem := range obj.Members {
		name := mem.Name
		if name == "resourceType" && r4.Type.Kind == defs.KindResource && r4.Path == r4.Type.Name {
			members = append(members, mem)
			continue
		}
		var val, under *fhirjson.Value
		if strings.HasPrefix(name, "_") {
			name = name[1:]
			if obj.Get(name) != nil {
				continue // moved with its value
			}
			under = mem.Value
		} else {
			val, under = mem.Value, obj.Get("_"+name)
		}
		var s3p *defs.Prop
		if s3 != nil && !shaped[name] {
			s3p = s3.Prop(name)
		}
		r4p := r4.Prop(name)
		at := loc + "." + name
		if r4p == nil && s3p != nil {
			if r4p = m.narrowedChoice(s3p, r4); r4p != nil {
				name = r4p.JSONName
			}
		}
		if r4p != nil && m.compatible(s3p, r4p, val) {
			if r4p.Element.IsArray() {
				val, under = wrap(val), wrap(under)
			} else if isArray(val) || isArray(under) {
				if n := max(arrayLen(val), arrayLen(under)); n == 1 {
					val, under = first(val), first(under)
				} else if s3p != nil {
					// R4 allows one where STU3 allowed many: keep them all.
					e, err := m.toExtensions(s3p, val, under, at)
					if err != nil {
						return err
					}
					exts = append(exts, e...)
					continue
				}
			}
			if err := m.children(val, r4p, s3p, r4, at); err != nil {
				return err
			}
			if err := m.underChildren(under, at); err != nil {
				return err
			}
			if val != nil {
				members = append(members, fhirjson.Member{Name: name, Value: val})
			}
			if under != nil {
				members = append(members, fhirjson.Member{Name: "_" + name, Value: under})
			}
			continue
		}
		if s3p == nil {
			return &Error{Path: at, Reason: fmt.Sprintf("%q is neither a STU3 element nor an R4 one", name)}
		}
		e, err := m.toExtensions(s3p, val, under, at)
		if err != nil {
			return err
		}
		if s3p.Element.Modifier && r4.Prop("modifierExtension") != nil {
			modExts = append(modExts, e...)
		} else {
			exts = append(exts, e...)
		}
	}
	obj.Members = members
	appendItems(obj, "extension", exts)
	appendItems(obj, "modifierExtension", modExts)
	return nil
}

// children maps the value (an item or an array of items) of a property
// that R4 keeps.
func (m *Mapper) children(val *fhirjson.Value, r4p, s3p *defs.Prop, parent *defs.Node, at string) error {
	if val == nil {
		return nil
	}
	items := []*fhirjson.Value{val}
	if val.Kind == fhirjson.Array {
		items = val.Items
	}
	for i, it := range items {
		loc := at
		if val.Kind == fhirjson.Array {
			loc = at + "[" + strconv.Itoa(i) + "]"
		}
		switch {
		case r4p.Primitive:
			if it.Kind == fhirjson.String && r4p.JSONName == "system" && parent.Type.Name == "Coding" {
				it.Text = R4System(it.Text)
			}
		case it.Kind != fhirjson.Object:
			// Wrong JSON kind: left for the validator to name.
		case r4p.Type != nil && (r4p.Type.Kind == defs.KindResource || r4p.TypeCode == "Resource"):
			if err := m.resource(it, loc); err != nil {
				return err
			}
		case r4p.Children != nil:
			if err := m.node(it, r4p.Children, m.stu3Children(s3p, r4p), loc); err != nil {
				return err
			}
		}
	}
	return nil
}

// narrowedChoice is the R4 property of a STU3 choice that R4 narrowed to
// the one type the value has (Provenance.agent.whoReference → who), or nil.
func (m *Mapper) narrowedChoice(s3p *defs.Prop, r4 *defs.Node) *defs.Prop {
	if !s3p.Element.Choice {
		return nil
	}
	p := r4.Prop(s3p.Element.Name)
	if p == nil || p.Element.Choice || p.TypeCode != s3p.TypeCode {
		return nil
	}
	return p
}

// stu3Children is the STU3 node of a kept property's items: its own, or,
// for a property a rule renamed, the STU3 root of the same data type.
func (m *Mapper) stu3Children(s3p, r4p *defs.Prop) *defs.Node {
	if s3p != nil {
		return s3p.Children
	}
	if t := m.stu3.Type(r4p.TypeCode); t != nil && t.Kind == defs.KindComplex {
		return t.Root
	}
	return nil
}

// underChildren maps a primitive's "_x" object(s): id and extensions.
func (m *Mapper) underChildren(under *fhirjson.Value, at string) error {
	if under == nil {
		return nil
	}
	items := []*fhirjson.Value{under}
	if under.Kind == fhirjson.Array {
		items = under.Items
	}
	for _, it := range items {
		if it.Kind == fhirjson.Object {
			if err := m.node(it, m.element, m.stu3.Type("Element").Root, "_"+at); err != nil {
				return err
			}
		}
	}
	return nil
}

// compatible reports whether a STU3 value of s3p can stay where R4 has r4p:
// the same type, or a primitive whose JSON kind and pattern R4 accepts
// (string→markdown, uri→canonical, code→string).
func (m *Mapper) compatible(s3p, r4p *defs.Prop, val *fhirjson.Value) bool {
	if s3p == nil || s3p.TypeCode == r4p.TypeCode {
		return true
	}
	inline := func(p *defs.Prop) bool { return p.TypeCode == "BackboneElement" || p.TypeCode == "Element" }
	if inline(s3p) && inline(r4p) {
		return true
	}
	if !s3p.Primitive || !r4p.Primitive || s3p.Type.JSONType != r4p.Type.JSONType {
		return false
	}
	ok := true
	each(val, func(it *fhirjson.Value) {
		if r4p.Type.Pattern() != nil && it.Kind != fhirjson.Null && !r4p.Type.Pattern().MatchString(it.Text) {
			ok = false
		}
	})
	return ok
}

func each(v *fhirjson.Value, f func(*fhirjson.Value)) {
	if v == nil {
		return
	}
	if v.Kind != fhirjson.Array {
		f(v)
		return
	}
	for _, it := range v.Items {
		f(it)
	}
}

func isArray(v *fhirjson.Value) bool { return v != nil && v.Kind == fhirjson.Array }

func arrayLen(v *fhirjson.Value) int {
	if isArray(v) {
		return len(v.Items)
	}
	return 0
}

func wrap(v *fhirjson.Value) *fhirjson.Value {
	if v == nil || v.Kind == fhirjson.Array {
		return v
	}
	return fhirjson.NewArray(v)
}

func first(v *fhirjson.Value) *fhirjson.Value {
	if isArray(v) {
		if len(v.Items) == 0 || v.Items[0].Kind == fhirjson.Null {
			return nil
		}
		return v.Items[0]
	}
	return v
}

// appendItems appends items to the array member name of obj.
func appendItems(obj *fhirjson.Value, name string, items []*fhirjson.Value) {
	if len(items) == 0 {
		return
	}
	if arr := obj.Get(name); arr != nil && arr.Kind == fhirjson.Array {
		arr.Items = append(arr.Items, items...)
		return
	}
	obj.Set(name, fhirjson.NewArray(items...))
}
