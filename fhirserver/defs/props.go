package defs

import (
	"fmt"
	"strings"
)

// props fills the property table of every node of the type, so that the
// validator and the FHIRPath engine resolve a JSON property with one map
// lookup and no allocation.
func (b *builder) props() error {
	t := b.t
	// Count first so every Prop of the type lives in one slab and every
	// map is allocated at its final size.
	counts := map[*Node]int{}
	total := 0
	for _, e := range b.elems[1:] {
		n := 1
		if e.Choice {
			n = len(e.Types)
		}
		counts[b.node(parentPath(e.Path))] += n
		total += n
	}
	p := propBuilder{b: b, slab: make([]Prop, 0, total)}
	for _, e := range b.elems[1:] {
		if t.Kind == KindPrimitive && e.Path == t.Name+".value" {
			// A primitive's value is the JSON value itself, not a
			// property; its Root keeps id and extension, the members of
			// the "_name" sibling object.
			continue
		}
		parent := b.node(parentPath(e.Path))
		if parent.props == nil {
			parent.props = make(map[string]*Prop, counts[parent])
		}
		if err := p.add(parent, e); err != nil {
			return fmt.Errorf("element %s: %w", e.Path, err)
		}
	}
	return nil
}

func parentPath(path string) string {
	return path[:strings.LastIndexByte(path, '.')]
}

type propBuilder struct {
	b    *builder
	slab []Prop
}

// add puts the JSON properties one element stands for into parent: one,
// or one per type for a choice element.
func (p *propBuilder) add(parent *Node, e *Element) error {
	b := p.b
	if e.ContentReference != "" {
		refPath := strings.TrimPrefix(e.ContentReference, "#")
		ref, node := b.byPath[refPath], b.nodes[refPath]
		if ref == nil || node == nil || len(ref.Types) != 1 {
			return fmt.Errorf("content reference %s does not name a backbone element", e.ContentReference)
		}
		return p.put(parent, e, e.Name, ref.Types[0].Code, node)
	}
	if len(e.Types) == 0 {
		return fmt.Errorf("no type")
	}
	if e.Choice {
		for _, tr := range e.Types {
			if err := p.put(parent, e, e.Name+upperFirst(tr.Code), tr.Code, nil); err != nil {
				return err
			}
		}
		return nil
	}
	if len(e.Types) != 1 {
		return fmt.Errorf("%d types on a non-choice element", len(e.Types))
	}
	// Inline children (BackboneElement, or Element as in Timing.repeat)
	// make the element its own node.
	return p.put(parent, e, e.Name, e.Types[0].Code, b.nodes[e.Path])
}

// put adds one Prop; children is the inline or referenced node, or nil to
// use the named type's root (nil again for primitives). The named type is
// only looked up: it builds when its own properties are asked for.
func (p *propBuilder) put(parent *Node, e *Element, jsonName, code string, children *Node) error {
	typ := p.b.t.v.types[code]
	if typ == nil {
		return fmt.Errorf("unknown type %q", code)
	}
	if _, dup := parent.props[jsonName]; dup {
		return fmt.Errorf("property %s of %s defined twice", jsonName, parent.Path)
	}
	p.slab = append(p.slab, Prop{JSONName: jsonName, Element: e, TypeCode: code, Type: typ, Primitive: typ.Kind == KindPrimitive})
	prop := &p.slab[len(p.slab)-1]
	switch {
	case children != nil:
		prop.Children = children
	case !prop.Primitive:
		prop.Children = typ.Root
	}
	parent.props[jsonName] = prop
	return nil
}

// upperFirst gives the suffix a choice type adds to the element name:
// value[x] with type dateTime is valueDateTime, with Quantity valueQuantity.
func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
