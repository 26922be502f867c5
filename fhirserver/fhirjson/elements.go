package fhirjson

import "errors"

// ErrTooManyElements is what a *SyntaxError unwraps to when a resource has
// more elements than WithMaxElements allows: callers answer it as a body
// too large rather than as malformed JSON.
var ErrTooManyElements = errors.New("too many elements in one resource")

// WithMaxElements caps the values (objects, arrays, strings, numbers,
// booleans, nulls) of one resource at n; n < 1 means no cap. A resource
// starts at the document's root, at the value of a member named "resource"
// (Bundle.entry.resource, Parameters.parameter.resource) and at each item
// of an array named "contained", so a Bundle of many ordinary resources
// passes while one resource with 500,000 given names does not.
//
// The cap is checked as each value is read, so a body over it is refused
// before the rest of its tree is built: the tree is where the memory goes
// (a Value is 72 bytes, a given name in the body 4).
func WithMaxElements(n int) Option {
	if n < 1 {
		return Option{}
	}
	return Option{maxElements: n}
}

// member reads the value of the object member name, starting a new
// resource where name says one starts.
func (p *parser) member(name string, v *Value) *SyntaxError {
	if p.maxElements == 0 {
		return p.value(v)
	}
	switch name {
	case "resource":
		return p.resource(v)
	case "contained":
		// Only an array's items are resources; the flag is consumed by the
		// array itself, before anything inside it is read.
		p.skipSpace()
		p.nextResource = p.pos < len(p.s) && p.s[p.pos] == '['
	}
	return p.value(v)
}

// resource reads one resource with a count of its own, then goes on
// counting the enclosing one.
func (p *parser) resource(v *Value) *SyntaxError {
	outer := p.elements
	p.elements = 0
	err := p.value(v)
	p.elements = outer
	return err
}

func (p *parser) countElement() *SyntaxError {
	p.elements++
	if p.elements > p.maxElements {
		return p.errorf(reasonElements, "more than %d elements in one resource", p.maxElements)
	}
	return nil
}
