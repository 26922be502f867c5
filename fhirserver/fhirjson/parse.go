package fhirjson

import (
	"bytes"
	"unsafe"
)

// DefaultMaxDepth is the nesting limit Parse applies unless told otherwise.
// The deepest official example (nested Questionnaire items inside a Bundle)
// stays far below it; the limit exists so a hostile body cannot make the
// recursive parser and validator use unbounded stack.
const DefaultMaxDepth = 100

// Option changes how Parse reads a document. It is a plain value rather
// than a function so that passing options costs the hot path no allocation.
type Option struct {
	maxDepth    int
	maxElements int
	owned       bool
	arena       *Arena
}

// WithMaxDepth sets the deepest nesting of arrays and objects Parse accepts
// (the top-level value is depth 1). n < 1 means DefaultMaxDepth.
func WithMaxDepth(n int) Option {
	if n < 1 {
		n = DefaultMaxDepth
	}
	return Option{maxDepth: n}
}

// OwnInput hands data over to Parse: the tree's strings then point into
// data instead of into a copy of it, saving an allocation the size of the
// body. Only for a caller that never modifies data afterwards (for example
// a request body read into a fresh slice and dropped after parsing);
// changing data would silently change the tree.
func OwnInput() Option { return Option{owned: true} }

// Parse reads one JSON document strictly (RFC 8259: no trailing commas, no
// NaN, no leading zeros, no raw control characters in strings), as FHIR
// needs it: the input must be UTF-8 (a leading byte-order mark is skipped),
// an object may not repeat a key, and numbers keep their literal text. The
// returned tree does not share memory with data (unless OwnInput is given),
// so the caller may reuse it. Errors are *SyntaxError.
func Parse(data []byte, opts ...Option) (*Value, error) {
	maxDepth, maxElements, owned := DefaultMaxDepth, 0, false
	var arena *Arena
	for _, o := range opts {
		if o.maxDepth > 0 {
			maxDepth = o.maxDepth
		}
		if o.maxElements > 0 {
			maxElements = o.maxElements
		}
		owned = owned || o.owned
		if o.arena != nil {
			arena = o.arena
		}
	}
	start := 0
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		start = 3
	}
	p := parser{
		// One conversion for the whole document: every string without
		// escapes, every member name and every number literal is a
		// substring of it, so they cost no allocation of their own.
		s:           documentText(data, owned, arena),
		pos:         start,
		maxDepth:    maxDepth,
		maxElements: maxElements,
		arena:       arena,
	}
	if arena != nil {
		p.memberStack, p.itemStack = arena.memberStack[:0], arena.itemStack[:0]
		// The stacks are cleared as they pop, so handing them back (grown,
		// perhaps) keeps nothing alive.
		defer func() { arena.memberStack, arena.itemStack = p.memberStack[:0], p.itemStack[:0] }()
	}
	if p.memberStack == nil {
		// Most FHIR objects have fewer members than this and arrays fewer
		// items, so the scratch stacks rarely grow.
		p.memberStack, p.itemStack = make([]Member, 0, 16), make([]*Value, 0, 8)
	}
	p.valueChunk, p.memberChunk, p.itemChunk = slabSizes(data[start:])
	root := p.newValue()
	if err := p.value(root); err != nil {
		return nil, p.finish(err)
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.finish(p.errorf(reasonSyntax, "unexpected %s after the top-level value", p.describe()))
	}
	return root, nil
}

// documentText returns data as a string: a copy (in the arena when there
// is one), or with OwnInput the same memory.
func documentText(data []byte, owned bool, arena *Arena) string {
	if owned && len(data) > 0 {
		return unsafe.String(&data[0], len(data))
	}
	if arena != nil {
		return arena.copyText(data)
	}
	return string(data)
}

// Slab sizes come from the number of colons in the document: every object
// member has one, and colons inside strings (URLs, times) only add. Over
// the official examples the value count is 0.8 to 1.1 times the colon
// count, the member count 0.6 to 0.9 times and the array item count about
// a fifth. Estimating a little under the typical need and growing by a
// quarter past it allocated the least in total over the examples (23% over
// the exact need). It matters more than it seems: every byte allocated on
// the write path costs garbage-collector work in proportion to the
// server's live heap.
const firstChunkCap = 1 << 15

func slabSizes(data []byte) (values, members, items chunker) {
	colons := bytes.Count(data, []byte{':'})
	return newChunker(colons*7/8 + 8), newChunker(colons*3/4 + 1), newChunker(colons/5 + 4)
}

// chunker hands out slab chunk sizes: up to the estimate in chunks of at
// most firstChunkCap, then, past it, a quarter of what was handed out so
// far (a low estimate costs at most a quarter again; a long document still
// grows its slabs geometrically).
type chunker struct {
	est, given int
}

func newChunker(est int) chunker { return chunker{est: est} }

func (c *chunker) take() int {
	n := c.est - c.given
	if n <= 0 {
		n = c.given/4 + 16
	}
	n = min(n, firstChunkCap)
	c.given += n
	return n
}

type parser struct {
	s        string
	pos      int
	depth    int
	maxDepth int

	// The element cap (see WithMaxElements): elements counts the values of
	// the resource being read; 0 maxElements means no cap. nextResource
	// marks the items of the array about to be read as resources of their
	// own (the array is a "contained").
	maxElements  int
	elements     int
	nextResource bool

	// Slabs: Values, array item slices and member slices are carved out of
	// chunks instead of being allocated one by one. Each carved slice has
	// its capacity capped so that appending to it copies instead of
	// overwriting its neighbour.
	vals        []Value
	valueChunk  chunker
	items       []*Value
	itemChunk   chunker
	members     []Member
	memberChunk chunker

	// Scratch stacks for the children of the arrays and objects being read.
	itemStack   []*Value
	memberStack []Member

	// arena, when set, supplies the slabs and the scratch stacks.
	arena *Arena
}

func (p *parser) newValue() *Value {
	if len(p.vals) == cap(p.vals) {
		if p.arena != nil {
			p.vals = p.arena.takeVals(p.valueChunk.take())
		} else {
			p.vals = make([]Value, 0, p.valueChunk.take())
		}
	}
	p.vals = p.vals[:len(p.vals)+1]
	return &p.vals[len(p.vals)-1]
}

func (p *parser) allocItems(src []*Value) []*Value {
	n := len(src)
	if cap(p.items)-len(p.items) < n {
		c := max(n, p.itemChunk.take())
		if p.arena != nil {
			p.items = p.arena.takeItems(c)
		} else {
			p.items = make([]*Value, 0, c)
		}
	}
	l := len(p.items)
	p.items = p.items[:l+n]
	out := p.items[l : l+n : l+n]
	copy(out, src)
	return out
}

func (p *parser) allocMembers(src []Member) []Member {
	n := len(src)
	if cap(p.members)-len(p.members) < n {
		c := max(n, p.memberChunk.take())
		if p.arena != nil {
			p.members = p.arena.takeMembers(c)
		} else {
			p.members = make([]Member, 0, c)
		}
	}
	l := len(p.members)
	p.members = p.members[:l+n]
	out := p.members[l : l+n : l+n]
	copy(out, src)
	return out
}

// isSpace holds the four whitespace bytes JSON allows.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace[p.s[p.pos]] {
		p.pos++
	}
}

func (p *parser) value(v *Value) *SyntaxError {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return p.errorf(reasonSyntax, "unexpected end of input, expected a value")
	}
	if p.maxElements > 0 {
		if err := p.countElement(); err != nil {
			return err
		}
	}
	switch c := p.s[p.pos]; c {
	case '{':
		return p.object(v)
	case '[':
		return p.array(v)
	case '"':
		s, err := p.str()
		if err != nil {
			return err
		}
		v.Kind, v.Text = String, s
		return nil
	case 't':
		return p.literal(v, "true", Bool, true)
	case 'f':
		return p.literal(v, "false", Bool, false)
	case 'n':
		return p.literal(v, "null", Null, false)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return p.number(v)
		}
		return p.errorf(reasonSyntax, "unexpected %s, expected a value", p.describe())
	}
}

func (p *parser) literal(v *Value, word string, k Kind, b bool) *SyntaxError {
	if len(p.s)-p.pos < len(word) || p.s[p.pos:p.pos+len(word)] != word {
		return p.errorf(reasonSyntax, "invalid literal, expected %s", word)
	}
	p.pos += len(word)
	v.Kind, v.Bool = k, b
	return nil
}

// number checks the RFC 8259 number grammar and keeps the literal as written.
func (p *parser) number(v *Value) *SyntaxError {
	start := p.pos
	s := p.s
	i := p.pos
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			p.pos = i
			return p.errorf(reasonSyntax, "invalid number: leading zeros are not allowed")
		}
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		return p.errorf(reasonSyntax, "invalid number: expected a digit")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.pos = i
			return p.errorf(reasonSyntax, "invalid number: expected a digit after the decimal point")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			p.pos = i
			return p.errorf(reasonSyntax, "invalid number: expected a digit in the exponent")
		}
	}
	p.pos = i
	v.Kind, v.Text = Number, s[start:i]
	return nil
}

func (p *parser) enter() *SyntaxError {
	p.depth++
	if p.depth > p.maxDepth {
		return p.errorf(reasonDepth, "nesting deeper than %d levels", p.maxDepth)
	}
	return nil
}

func (p *parser) array(v *Value) *SyntaxError {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // '['
	v.Kind = Array
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		p.depth--
		return nil
	}
	base := len(p.itemStack)
	resources := p.nextResource
	p.nextResource = false
	for idx := 0; ; idx++ {
		child := p.newValue()
		var err *SyntaxError
		if resources {
			err = p.resource(child)
		} else {
			err = p.value(child)
		}
		if err != nil {
			err.addIndex(idx)
			return err
		}
		p.itemStack = append(p.itemStack, child)
		p.skipSpace()
		if p.pos >= len(p.s) {
			return p.errorf(reasonSyntax, "unexpected end of input in an array")
		}
		c := p.s[p.pos]
		if c == ']' {
			p.pos++
			break
		}
		if c != ',' {
			return p.errorf(reasonSyntax, "unexpected %s in an array, expected ',' or ']'", p.describe())
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			return p.errorf(reasonSyntax, "trailing comma in an array")
		}
	}
	v.Items = p.allocItems(p.itemStack[base:])
	clear(p.itemStack[base:])
	p.itemStack = p.itemStack[:base]
	p.depth--
	return nil
}

// objectMapAt is the member count from which duplicate keys are found with a
// map rather than by comparing with every earlier member; FHIR objects are
// small, so the quadratic scan is the fast path.
const objectMapAt = 24

func (p *parser) object(v *Value) *SyntaxError {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // '{'
	v.Kind = Object
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		p.depth--
		return nil
	}
	base := len(p.memberStack)
	var seen map[string]struct{}
	for {
		if p.pos >= len(p.s) {
			return p.errorf(reasonSyntax, "unexpected end of input in an object")
		}
		if p.s[p.pos] != '"' {
			return p.errorf(reasonSyntax, "unexpected %s, expected a member name in double quotes", p.describe())
		}
		keyAt := p.pos
		name, err := p.str()
		if err != nil {
			return err
		}
		if dup := p.isDuplicate(name, base, &seen); dup {
			p.pos = keyAt
			return p.errorf(reasonDuplicate, "duplicate key %q", name)
		}
		p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return p.errorf(reasonSyntax, "unexpected %s after member name %q, expected ':'", p.describe(), name)
		}
		p.pos++
		child := p.newValue()
		if err := p.member(name, child); err != nil {
			err.addName(name)
			return err
		}
		p.memberStack = append(p.memberStack, Member{Name: name, Value: child})
		p.skipSpace()
		if p.pos >= len(p.s) {
			return p.errorf(reasonSyntax, "unexpected end of input in an object")
		}
		c := p.s[p.pos]
		if c == '}' {
			p.pos++
			break
		}
		if c != ',' {
			return p.errorf(reasonSyntax, "unexpected %s in an object, expected ',' or '}'", p.describe())
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			return p.errorf(reasonSyntax, "trailing comma in an object")
		}
	}
	v.Members = p.allocMembers(p.memberStack[base:])
	clear(p.memberStack[base:])
	p.memberStack = p.memberStack[:base]
	p.depth--
	return nil
}

func (p *parser) isDuplicate(name string, base int, seen *map[string]struct{}) bool {
	ms := p.memberStack[base:]
	if len(ms) < objectMapAt {
		for i := range ms {
			if ms[i].Name == name {
				return true
			}
		}
		return false
	}
	if *seen == nil {
		*seen = make(map[string]struct{}, 2*len(ms))
		for i := range ms {
			(*seen)[ms[i].Name] = struct{}{}
		}
	}
	if _, ok := (*seen)[name]; ok {
		return true
	}
	(*seen)[name] = struct{}{}
	return false
}
