package fhirpath

import (
	"fmt"
	"strconv"
)

// parser is a precedence-climbing parser over the token list; the levels
// follow the operator precedence table of the FHIRPath specification.
type parser struct {
	src   string
	toks  []token
	p     int
	depth int
}

// maxDepth bounds nesting so a hostile expression (FHIRPath Patch paths
// come from clients) cannot exhaust the stack.
const maxDepth = 200

// maxChain bounds a.b.c... chains, whose evaluation recurses once per step.
const maxChain = 1000

// binary operator precedence, lowest first (the spec's table, reversed).
var binaryLevel = map[string]int{
	"implies": 1,
	"or":      2, "xor": 2,
	"and": 3,
	"in":  4, "contains": 4,
	"=": 5, "~": 5, "!=": 5, "!~": 5,
	"<": 6, ">": 6, "<=": 6, ">=": 6,
	"|":  7,
	"is": 8, "as": 8,
	"+": 9, "-": 9, "&": 9,
	"*": 10, "/": 10, "div": 10, "mod": 10,
}

func (p *parser) peek() token { return p.toks[p.p] }

func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tokEOF {
		p.p++
	}
	return t
}

func (p *parser) errf(pos int, format string, args ...any) error {
	return &SyntaxError{Expr: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expectOp(op string) error {
	t := p.next()
	if t.kind != tokOp || t.text != op {
		return p.errf(t.pos, "expected %q, found %s", op, describe(t))
	}
	return nil
}

func describe(t token) string {
	if t.kind == tokEOF {
		return "end of expression"
	}
	return strconv.Quote(t.text)
}

// binaryOp returns the operator a token stands for, if it is one.
func binaryOp(t token) (string, bool) {
	if t.kind != tokOp && t.kind != tokIdent {
		return "", false
	}
	_, ok := binaryLevel[t.text]
	return t.text, ok
}

func (p *parser) parseExpr(minLevel int) (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf(p.peek().pos, "expression nested more than %d deep", maxDepth)
	}
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op, ok := binaryOp(t)
		if !ok || binaryLevel[op] < minLevel {
			return left, nil
		}
		p.next()
		if op == "is" || op == "as" {
			ts, err := p.parseTypeSpec()
			if err != nil {
				return nil, err
			}
			left = &typeOpNode{op: op, x: left, ts: ts, pos: t.pos}
			continue
		}
		right, err := p.parseExpr(binaryLevel[op] + 1)
		if err != nil {
			return nil, err
		}
		left = newBinary(op, left, right, t.pos)
	}
}

func (p *parser) parseUnary() (node, error) {
	t := p.peek()
	if t.kind == tokOp && (t.text == "-" || t.text == "+") {
		p.next()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, p.errf(t.pos, "expression nested more than %d deep", maxDepth)
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if t.text == "+" {
			return x, nil
		}
		return &negNode{x: x, pos: t.pos}, nil
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() (node, error) {
	x, err := p.parseTerm()
	if err != nil {
		return nil, err
	}
	for steps := 0; ; steps++ {
		t := p.peek()
		if steps > maxChain {
			return nil, p.errf(t.pos, "path longer than %d steps", maxChain)
		}
		if t.kind != tokOp {
			return x, nil
		}
		switch t.text {
		case ".":
			p.next()
			x, err = p.parseInvocation(x)
			if err != nil {
				return nil, err
			}
		case "[":
			p.next()
			idx, err := p.parseExpr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
			x = &indexNode{x: x, idx: idx, pos: t.pos}
		default:
			return x, nil
		}
	}
}

// parseInvocation reads what follows a dot (or starts a term): a member
// name, a function call or $this/$index/$total. target is nil at the start
// of an expression, meaning the input collection.
func (p *parser) parseInvocation(target node) (node, error) {
	t := p.next()
	switch t.kind {
	case tokIdent, tokDelimited:
		if t.kind == tokIdent && p.peek().kind == tokOp && p.peek().text == "(" {
			p.next()
			var args []node
			if !(p.peek().kind == tokOp && p.peek().text == ")") {
				for {
					a, err := p.parseExpr(0)
					if err != nil {
						return nil, err
					}
					args = append(args, a)
					if p.peek().kind == tokOp && p.peek().text == "," {
						p.next()
						continue
					}
					break
				}
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return newFunc(p, target, t, args)
		}
		return &memberNode{target: target, name: t.text, pos: t.pos}, nil
	case tokSpecial:
		if target != nil {
			return nil, p.errf(t.pos, "%s cannot follow a dot", t.text)
		}
		return &varNode{name: t.text, pos: t.pos}, nil
	}
	return nil, p.errf(t.pos, "expected a name or function, found %s", describe(t))
}

func (p *parser) parseTerm() (node, error) {
	t := p.peek()
	switch t.kind {
	case tokIdent:
		if (t.text == "true" || t.text == "false") && !p.isCall() {
			p.next()
			return &literalNode{items: []Item{{sys: t.text == "true"}}}, nil
		}
		return p.parseInvocation(nil)
	case tokDelimited, tokSpecial:
		return p.parseInvocation(nil)
	case tokString:
		p.next()
		return &literalNode{items: []Item{{sys: t.text}}}, nil
	case tokNumber:
		p.next()
		return p.parseNumber(t)
	case tokDate, tokTime:
		p.next()
		kind := KindDateTime
		if t.kind == tokTime {
			kind = KindTime
		} else if !containsT(t.text) {
			kind = KindDate
		}
		v, err := ParseTemporal(kind, t.text)
		if err != nil {
			return nil, p.errf(t.pos, "invalid date/time literal @%s", t.text)
		}
		if kind == KindTime {
			v.Text = v.Text[1:] // the T belongs to the literal syntax
		}
		return &literalNode{items: []Item{{sys: v}}}, nil
	case tokExternal:
		p.next()
		return &varNode{name: "%" + t.text, pos: t.pos}, nil
	case tokOp:
		switch t.text {
		case "(":
			p.next()
			x, err := p.parseExpr(0)
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return &parenNode{x: x}, nil
		case "{":
			p.next()
			if err := p.expectOp("}"); err != nil {
				return nil, err
			}
			return &literalNode{}, nil
		}
	}
	return nil, p.errf(t.pos, "unexpected %s", describe(t))
}

func (p *parser) isCall() bool {
	n := p.toks[p.p+1]
	return n.kind == tokOp && n.text == "("
}

func containsT(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 'T' {
			return true
		}
	}
	return false
}

// parseNumber reads an Integer or Decimal literal, or a Quantity when a
// unit string or calendar keyword follows.
func (p *parser) parseNumber(t token) (node, error) {
	u := p.peek()
	unit := ""
	if u.kind == tokString {
		unit = u.text
	} else if u.kind == tokIdent {
		if _, ok := calendarUnits[u.text]; ok {
			unit = u.text
		}
	}
	if unit != "" || u.kind == tokString {
		p.next()
		d, err := ParseDecimal(t.text)
		if err != nil {
			return nil, p.errf(t.pos, "invalid number %s", t.text)
		}
		if c, ok := calendarUnits[unit]; ok && u.kind == tokIdent {
			unit = c
		}
		return &literalNode{items: []Item{{sys: Quantity{Value: d, Unit: unit}}}}, nil
	}
	for i := 0; i < len(t.text); i++ {
		if t.text[i] == '.' {
			d, err := ParseDecimal(t.text)
			if err != nil {
				return nil, p.errf(t.pos, "invalid number %s", t.text)
			}
			return &literalNode{items: []Item{{sys: d}}}, nil
		}
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return nil, p.errf(t.pos, "integer %s out of range", t.text)
	}
	return &literalNode{items: []Item{{sys: n}}}, nil
}

// parseTypeSpec reads a (possibly qualified) type name after is/as.
func (p *parser) parseTypeSpec() (typeSpec, error) {
	t := p.next()
	if t.kind != tokIdent && t.kind != tokDelimited {
		return typeSpec{}, p.errf(t.pos, "expected a type name, found %s", describe(t))
	}
	ts := typeSpec{name: t.text}
	if p.peek().kind == tokOp && p.peek().text == "." {
		n := p.toks[p.p+1]
		if n.kind == tokIdent || n.kind == tokDelimited {
			p.p += 2
			ts = typeSpec{namespace: t.text, name: n.text}
		}
	}
	return ts, nil
}

// typeSpecOf reads a type name given as a function argument (ofType(X),
// as(X), is(X)), where the parser has already made it a member path.
func typeSpecOf(n node) (typeSpec, bool) {
	m, ok := n.(*memberNode)
	if !ok {
		return typeSpec{}, false
	}
	if m.target == nil {
		return typeSpec{name: m.name}, true
	}
	ns, ok := m.target.(*memberNode)
	if !ok || ns.target != nil {
		return typeSpec{}, false
	}
	return typeSpec{namespace: ns.name, name: m.name}, true
}
