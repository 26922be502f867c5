package fhirpath

// node is one syntax tree node. eval receives the input collection: the
// result of what precedes a dot, or the context ($this) at the start of an
// expression or argument.
type node interface {
	eval(c *evalCtx, in []Item) ([]Item, error)
}

// typeSpec is a type name after is/as or inside ofType(); namespace is
// "FHIR", "System" or "" (either).
type typeSpec struct {
	namespace, name string
}

func (t typeSpec) String() string {
	if t.namespace == "" {
		return t.name
	}
	return t.namespace + "." + t.name
}

type literalNode struct{ items []Item }

func (n *literalNode) eval(*evalCtx, []Item) ([]Item, error) { return n.items, nil }

type parenNode struct{ x node }

func (n *parenNode) eval(c *evalCtx, in []Item) ([]Item, error) { return n.x.eval(c, in) }

type varNode struct {
	name string
	pos  int
}

func (n *varNode) eval(c *evalCtx, _ []Item) ([]Item, error) { return c.variable(n.name, n.pos) }

// memberNode is a name: a child element, or at the start of an expression a
// type name that filters the input ("Observation.code" on an Observation).
type memberNode struct {
	target node
	name   string
	pos    int
}

func (n *memberNode) eval(c *evalCtx, in []Item) ([]Item, error) {
	base := in
	if n.target != nil {
		var err error
		if base, err = n.target.eval(c, in); err != nil {
			return nil, err
		}
	} else if n.name != "" && n.name[0] >= 'A' && n.name[0] <= 'Z' {
		// FHIR element names never start upper case, so a leading upper
		// case name is the context's type (or a base type: Resource.id).
		keep := 0
		for _, it := range base {
			if it.IsNode() && c.isSubtype(it.typ, n.name) {
				keep++
			}
		}
		if keep == len(base) {
			return base, nil // the usual case: the resource is of that type
		}
		out := make([]Item, 0, keep)
		for _, it := range base {
			if it.IsNode() && c.isSubtype(it.typ, n.name) {
				out = append(out, it)
			}
		}
		return out, nil
	}
	var out []Item
	for i := range base {
		out = c.children(&base[i], n.name, out)
	}
	if err := c.spend(len(base)+len(out), n.pos); err != nil {
		return nil, err
	}
	return out, nil
}

type indexNode struct {
	x, idx node
	pos    int
}

func (n *indexNode) eval(c *evalCtx, in []Item) ([]Item, error) {
	base, err := n.x.eval(c, in)
	if err != nil {
		return nil, err
	}
	iv, err := n.idx.eval(c, c.this)
	if err != nil {
		return nil, err
	}
	if len(iv) == 0 {
		return nil, nil
	}
	i, ok := singletonInt(iv)
	if !ok {
		return nil, c.errf(n.pos, "index must be a single integer")
	}
	if i < 0 || i >= int64(len(base)) {
		return nil, nil
	}
	return base[i : i+1], nil
}

type negNode struct {
	x   node
	pos int
}

func (n *negNode) eval(c *evalCtx, in []Item) ([]Item, error) {
	xs, err := n.x.eval(c, in)
	if err != nil || len(xs) == 0 {
		return nil, err
	}
	if len(xs) > 1 {
		return nil, c.errf(n.pos, "unary minus needs a single item, got %d", len(xs))
	}
	v, _ := xs[0].Value()
	switch x := v.(type) {
	case int64:
		return []Item{{sys: -x}}, nil
	case Decimal:
		return []Item{{sys: x.neg()}}, nil
	case Quantity:
		return []Item{{sys: Quantity{Value: x.Value.neg(), Unit: x.Unit}}}, nil
	}
	return nil, c.errf(n.pos, "unary minus cannot apply to %s", xs[0].TypeName())
}

type typeOpNode struct {
	op  string // "is" or "as"
	x   node
	ts  typeSpec
	pos int
}

func (n *typeOpNode) eval(c *evalCtx, in []Item) ([]Item, error) {
	xs, err := n.x.eval(c, in)
	if err != nil {
		return nil, err
	}
	if n.op == "is" {
		if len(xs) == 0 {
			return nil, nil
		}
		if len(xs) > 1 {
			return nil, c.errf(n.pos, "'is' needs a single item, got %d", len(xs))
		}
		return boolItems(c.isType(xs[0], n.ts)), nil
	}
	// 'as' on several items filters them like ofType(); the spec calls that
	// an error, but published SearchParameter expressions rely on it.
	return c.ofType(xs, n.ts), nil
}

// funcNode is a function call; target nil means the input collection.
type funcNode struct {
	target node
	name   string
	def    *funcDef
	args   []node
	ts     typeSpec // for is/as/ofType
	pos    int
}

func (n *funcNode) eval(c *evalCtx, in []Item) ([]Item, error) {
	base := in
	if n.target != nil {
		var err error
		if base, err = n.target.eval(c, in); err != nil {
			return nil, err
		}
	}
	if err := c.spend(len(base)+1, n.pos); err != nil {
		return nil, err
	}
	return n.def.fn(&call{c: c, in: base, n: n})
}

// call is one function invocation as the implementations see it.
type call struct {
	c  *evalCtx
	in []Item
	n  *funcNode
	// tc is the context test evaluates a condition in, one for every item.
	tc *evalCtx
}

func (k *call) errf(format string, args ...any) error { return k.c.errf(k.n.pos, format, args...) }

// arg evaluates argument i once, against the current $this.
func (k *call) arg(i int) ([]Item, error) { return k.n.args[i].eval(k.c, k.c.this) }

// argOnInput evaluates argument i with the function's input collection as
// its focus and $this, as iif() needs: in `x.iif(empty(), a, b)` empty()
// tests x, not the context the whole path started from.
func (k *call) argOnInput(i int) ([]Item, error) {
	c := *k.c
	c.this = k.in
	return k.n.args[i].eval(&c, k.in)
}

// argFor evaluates argument i with $this bound to one input item.
func (k *call) argFor(i int, it Item, idx int) ([]Item, error) {
	c := k.c.withThis(it, idx)
	return k.n.args[i].eval(c, c.this)
}

func boolItems(b bool) []Item { return []Item{{sys: b}} }

func singletonInt(xs []Item) (int64, bool) {
	if len(xs) != 1 {
		return 0, false
	}
	v, _ := xs[0].Value()
	i, ok := v.(int64)
	return i, ok
}

func newFunc(p *parser, target node, t token, args []node) (node, error) {
	def, ok := funcTable[t.text]
	if !ok {
		return nil, p.errf(t.pos, "unknown function %s()", t.text)
	}
	if len(args) < def.min || len(args) > def.max {
		return nil, p.errf(t.pos, "%s() takes %s, got %d", t.text, argCount(def), len(args))
	}
	n := &funcNode{target: target, name: t.text, def: def, args: args, pos: t.pos}
	if def.typeArg {
		ts, ok := typeSpecOf(args[0])
		if !ok {
			return nil, p.errf(t.pos, "%s() needs a type name", t.text)
		}
		n.ts = ts
	}
	return n, nil
}

func argCount(d *funcDef) string {
	switch {
	case d.min == 1 && d.max == 1:
		return "1 argument"
	case d.min == d.max:
		return itoa(d.min) + " arguments"
	}
	return itoa(d.min) + " to " + itoa(d.max) + " arguments"
}

func itoa(i int) string { return valueString(int64(i)) }
