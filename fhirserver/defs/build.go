package defs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs/defsfile"
)

// A type's elements, nodes and property tables are most of a version's
// memory (about 2.7 MB of R4's 3.5 MB), and a server sees few of the 150
// resource types, so each type builds them the first time one of the
// accessors below is called, from its elem records in the embedded file.
// A built type is never changed again: the check on the hot path
// (Node.Prop) is one atomic load. Types build independently of each other:
// a Prop only points at another type's Root, which exists from the start,
// and that type builds when its own properties are first asked for.

// Elements are every element of the type in definition order; the first is
// the root (Path == Name). The slice is shared: do not modify it.
func (t *Type) Elements() []*Element {
	t.ready()
	return t.elements
}

// Pattern is Regex compiled and anchored to the whole value (^(?:…)$); nil
// where Regex is empty.
func (t *Type) Pattern() *regexp.Regexp {
	t.ready()
	return t.pattern
}

// Element returns the element with exactly this snapshot path
// ("Observation.value[x]"), or nil. A choice element may also be named
// without its "[x]" ("Observation.value").
func (t *Type) Element(path string) *Element {
	t.ready()
	if e := t.byPath[path]; e != nil {
		return e
	}
	if !strings.HasSuffix(path, "]") {
		if e := t.byPath[path+"[x]"]; e != nil {
			return e
		}
	}
	return nil
}

// Node returns the node at an element path: the type's root for its name,
// or a backbone element's node ("Observation.component"); nil otherwise.
func (t *Type) Node(path string) *Node {
	t.ready()
	return t.nodes[path]
}

// Built reports whether the type's tables have been built; tests use it to
// prove that a server builds only the types it uses.
func (t *Type) Built() bool { return t.built.Load() }

// Prop returns the JSON property of this name ("valueQuantity"), or nil.
// Primitive extension siblings ("_birthDate") are not listed: a name
// beginning with "_" is the primitive's sibling of the name without it.
// This is the validator's and the FHIRPath engine's hot path: it does not
// allocate.
func (n *Node) Prop(name string) *Prop {
	n.Type.ready()
	return n.props[name]
}

// Props maps every JSON property name of the node to its definition (see
// Prop). The map is shared: do not modify it.
func (n *Node) Props() map[string]*Prop {
	n.Type.ready()
	return n.props
}

// Required are the elements directly under this node with a minimum
// cardinality of at least 1, in definition order (a primitive's value, which
// is not a property, left out). The slice is shared: do not modify it.
func (n *Node) Required() []*Element {
	n.Type.ready()
	return n.required
}

// ready builds t unless it is built.
func (t *Type) ready() {
	if !t.built.Load() {
		t.buildOnce()
	}
}

// buildOnce builds t under its lock. The embedded definitions are generated
// and every type of both versions is built by the tests, so a failure is a
// build defect and panics like a failed load (a panic in a request becomes
// a 500 in package rest); the next call tries again, since nothing is kept
// from a failed build.
func (t *Type) buildOnce() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.built.Load() {
		return
	}
	if err := t.build(); err != nil {
		panic(fmt.Sprintf("defs: build %s type %s: %v", t.v.Name, t.Name, err))
	}
}

// build decodes t's elements and builds its nodes and property tables, then
// publishes them all at once, so a failure leaves t as it was.
// REQUIRES: t.mu held.
func (t *Type) build() error {
	fes, err := t.src.DecodeElements()
	if err != nil {
		return err
	}
	var pattern *regexp.Regexp
	if t.Regex != "" {
		if pattern, err = regexp.Compile("^(?:" + t.Regex + ")$"); err != nil {
			return fmt.Errorf("compile regex: %w", err)
		}
	}
	b := builder{t: t, byPath: make(map[string]*Element, len(fes)), nodes: map[string]*Node{}}
	if err := b.elements(fes); err != nil {
		return err
	}
	if err := b.props(); err != nil {
		return err
	}
	b.required()
	t.elements, t.pattern, t.byPath, t.nodes = b.elems, pattern, b.byPath, b.nodes
	t.Root.props, t.Root.required = b.root.props, b.root.required
	t.built.Store(true)
	return nil
}

// builder holds a type's tables while they are built; the root's are
// copied to t.Root when all succeeded.
type builder struct {
	t      *Type
	elems  []*Element
	byPath map[string]*Element
	nodes  map[string]*Node
	root   Node
}

// elements converts the type's elements and creates a node for the root and
// for every element that has children.
func (b *builder) elements(fes []defsfile.Element) error {
	t := b.t
	// One slab for all elements of the type and one for their type refs,
	// both kept for the life of the type.
	slab := make([]Element, len(fes))
	nrefs := 0
	for i := range fes {
		nrefs += len(fes[i].Types)
	}
	refs := make([]TypeRef, nrefs)
	b.elems = make([]*Element, len(fes))
	for i := range fes {
		fe := &fes[i]
		e := &slab[i]
		n := len(fe.Types)
		e.Types, refs = refs[:n:n], refs[n:]
		if err := fillElement(e, fe); err != nil {
			return fmt.Errorf("element %s: %w", fe.Path, err)
		}
		b.elems[i] = e
		b.byPath[e.Path] = e
	}
	if len(b.elems) == 0 || b.elems[0].Path != t.Name {
		return fmt.Errorf("first element is not the root")
	}
	b.root = Node{Type: t, Path: t.Name}
	b.nodes[t.Name] = t.Root
	// An element with children in the snapshot is a backbone (or inline
	// Element) node; its children follow it, so parents are seen first.
	for _, e := range b.elems[1:] {
		dot := strings.LastIndexByte(e.Path, '.')
		if dot < 0 || b.byPath[e.Path[:dot]] == nil {
			return fmt.Errorf("element %s has no parent element", e.Path)
		}
		parent := e.Path[:dot]
		if b.nodes[parent] == nil {
			b.nodes[parent] = &Node{Type: t, Path: parent}
		}
	}
	return nil
}

// node returns the node at path as being built: for the root, b.root,
// which is published into t.Root at the end.
func (b *builder) node(path string) *Node {
	if path == b.t.Name {
		return &b.root
	}
	return b.nodes[path]
}

// required lists each node's required elements.
func (b *builder) required() {
	t := b.t
	for _, e := range b.elems[1:] {
		if e.Min < 1 || (t.Kind == KindPrimitive && e.Path == t.Name+".value") {
			// A primitive's value is the JSON value beside its "_"
			// object, never a member of it.
			continue
		}
		n := b.node(parentPath(e.Path))
		n.required = append(n.required, e)
	}
}

func fillElement(e *Element, fe *defsfile.Element) error {
	e.Path = fe.Path
	name := fe.Path[strings.LastIndexByte(fe.Path, '.')+1:]
	e.Choice = strings.HasSuffix(name, "[x]")
	e.Name = strings.TrimSuffix(name, "[x]")
	e.Min = fe.Min
	if fe.Max == "*" {
		e.Max = -1
	} else {
		m, err := strconv.Atoi(fe.Max)
		if err != nil {
			return fmt.Errorf("max %q: %w", fe.Max, err)
		}
		e.Max = m
	}
	e.ContentReference = fe.ContentReference
	e.Summary = fe.Summary
	e.Modifier = fe.Modifier
	// e.Types arrives sized to fe.Types (see elements); empty stays nil.
	if len(fe.Types) == 0 {
		e.Types = nil
	}
	for i, ft := range fe.Types {
		e.Types[i] = TypeRef{Code: ft.Code, Targets: ft.Targets}
	}
	return nil
}
