package defs

import (
	"fmt"
	"strings"
)

// buildProps fills the Props of every node of t. It runs once per type at
// load so that the validator and the FHIRPath engine resolve a JSON property
// with one map lookup and no allocation.
func (v *Version) buildProps(t *Type) error {
	for _, e := range t.Elements[1:] {
		if t.Kind == KindPrimitive && e.Path == t.Name+".value" {
			// A primitive's value is the JSON value itself, not a
			// property; its Root keeps id and extension, the members of
			// the "_name" sibling object.
			continue
		}
		parent := t.nodes[e.Path[:strings.LastIndexByte(e.Path, '.')]]
		if parent.Props == nil {
			parent.Props = map[string]*Prop{}
		}
		props, err := v.propsOf(t, e)
		if err != nil {
			return fmt.Errorf("element %s: %w", e.Path, err)
		}
		for _, p := range props {
			if _, dup := parent.Props[p.JSONName]; dup {
				return fmt.Errorf("property %s of %s defined twice", p.JSONName, parent.Path)
			}
			parent.Props[p.JSONName] = p
		}
	}
	return nil
}

// propsOf returns the JSON properties one element stands for: one, or one
// per type for a choice element.
func (v *Version) propsOf(t *Type, e *Element) ([]*Prop, error) {
	if e.ContentReference != "" {
		refPath := strings.TrimPrefix(e.ContentReference, "#")
		ref, node := t.byPath[refPath], t.nodes[refPath]
		if ref == nil || node == nil || len(ref.Types) != 1 {
			return nil, fmt.Errorf("content reference %s does not name a backbone element", e.ContentReference)
		}
		p, err := v.newProp(e, e.Name, ref.Types[0].Code, node)
		return []*Prop{p}, err
	}
	if len(e.Types) == 0 {
		return nil, fmt.Errorf("no type")
	}
	if e.Choice {
		props := make([]*Prop, 0, len(e.Types))
		for _, tr := range e.Types {
			p, err := v.newProp(e, e.Name+upperFirst(tr.Code), tr.Code, nil)
			if err != nil {
				return nil, err
			}
			props = append(props, p)
		}
		return props, nil
	}
	if len(e.Types) != 1 {
		return nil, fmt.Errorf("%d types on a non-choice element", len(e.Types))
	}
	// Inline children (BackboneElement, or Element as in Timing.repeat)
	// make the element its own node.
	p, err := v.newProp(e, e.Name, e.Types[0].Code, t.nodes[e.Path])
	return []*Prop{p}, err
}

// newProp builds a Prop; children is the inline or referenced node, or nil
// to use the named type's root (nil again for primitives).
func (v *Version) newProp(e *Element, jsonName, code string, children *Node) (*Prop, error) {
	typ := v.types[code]
	if typ == nil {
		return nil, fmt.Errorf("unknown type %q", code)
	}
	p := &Prop{JSONName: jsonName, Element: e, TypeCode: code, Type: typ, Primitive: typ.Kind == KindPrimitive}
	switch {
	case children != nil:
		p.Children = children
	case !p.Primitive:
		p.Children = typ.Root
	}
	return p, nil
}

// upperFirst gives the suffix a choice type adds to the element name:
// value[x] with type dateTime is valueDateTime, with Quantity valueQuantity.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
