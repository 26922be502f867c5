package fhirpath

// binaryNode is an infix operator other than is/as.
type binaryNode struct {
	op   string
	l, r node
	pos  int
}

func newBinary(op string, l, r node, pos int) node {
	return &binaryNode{op: op, l: l, r: r, pos: pos}
}

func (n *binaryNode) eval(c *evalCtx, in []Item) ([]Item, error) {
	switch n.op {
	case "and", "or", "xor", "implies":
		return n.logic(c, in)
	}
	ls, err := n.l.eval(c, in)
	if err != nil {
		return nil, err
	}
	rs, err := n.r.eval(c, in)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "|":
		return union(ls, rs), nil
	case "=", "!=":
		if len(ls) == 0 || len(rs) == 0 {
			return nil, nil
		}
		eq, known := collectionsEqual(ls, rs)
		if !known {
			return nil, nil
		}
		return boolItems(eq == (n.op == "=")), nil
	case "~", "!~":
		return boolItems(collectionsEquivalent(ls, rs) == (n.op == "~")), nil
	case "<", ">", "<=", ">=":
		return n.compare(c, ls, rs)
	case "in", "contains":
		elem, coll := ls, rs
		if n.op == "contains" {
			elem, coll = rs, ls
		}
		if len(elem) == 0 {
			return nil, nil
		}
		if len(elem) > 1 {
			return nil, c.errf(n.pos, "'%s' needs a single item, got %d", n.op, len(elem))
		}
		return boolItems(containsItem(coll, elem[0])), nil
	case "&":
		return concat(c, n.pos, ls, rs)
	}
	return n.arith(c, ls, rs)
}

// boolOf converts a collection to a three-valued boolean: empty is unknown
// (ok true, known false); a single boolean is itself; any other single item
// counts as true, as the spec's singleton evaluation says.
func boolOf(c *evalCtx, pos int, xs []Item) (val, known bool, err error) {
	if len(xs) == 0 {
		return false, false, nil
	}
	if len(xs) > 1 {
		return false, false, c.errf(pos, "expected a single boolean, got %d items", len(xs))
	}
	v, ok := xs[0].Value()
	if b, isBool := v.(bool); ok && isBool {
		return b, true, nil
	}
	return true, true, nil
}

func (n *binaryNode) logic(c *evalCtx, in []Item) ([]Item, error) {
	ls, err := n.l.eval(c, in)
	if err != nil {
		return nil, err
	}
	l, lk, err := boolOf(c, n.pos, ls)
	if err != nil {
		return nil, err
	}
	// Short cuts that make the right side irrelevant.
	switch {
	case n.op == "and" && lk && !l:
		return boolItems(false), nil
	case n.op == "or" && lk && l:
		return boolItems(true), nil
	case n.op == "implies" && lk && !l:
		return boolItems(true), nil
	}
	rs, err := n.r.eval(c, in)
	if err != nil {
		return nil, err
	}
	r, rk, err := boolOf(c, n.pos, rs)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "and":
		if rk && !r {
			return boolItems(false), nil
		}
		if lk && rk {
			return boolItems(true), nil
		}
	case "or":
		if rk && r {
			return boolItems(true), nil
		}
		if lk && rk {
			return boolItems(false), nil
		}
	case "xor":
		if lk && rk {
			return boolItems(l != r), nil
		}
	case "implies":
		if rk && r {
			return boolItems(true), nil
		}
		if lk && rk {
			return boolItems(!l || r), nil
		}
	}
	return nil, nil
}

func (n *binaryNode) compare(c *evalCtx, ls, rs []Item) ([]Item, error) {
	if len(ls) == 0 || len(rs) == 0 {
		return nil, nil
	}
	if len(ls) > 1 || len(rs) > 1 {
		return nil, c.errf(n.pos, "'%s' needs single items", n.op)
	}
	cmp, known, err := compareItems(ls[0], rs[0])
	if err != nil {
		return nil, c.errf(n.pos, "%v", err)
	}
	if !known {
		return nil, nil
	}
	switch n.op {
	case "<":
		return boolItems(cmp < 0), nil
	case ">":
		return boolItems(cmp > 0), nil
	case "<=":
		return boolItems(cmp <= 0), nil
	}
	return boolItems(cmp >= 0), nil
}

// smallUnion is the size up to which union compares pairs directly.
const smallUnion = 16

// union merges two collections without duplicates, in order.
func union(a, b []Item) []Item {
	out := make([]Item, 0, len(a)+len(b))
	if len(a)+len(b) <= smallUnion {
		// Typical search expressions unite a handful of items, where
		// comparing pairs beats building a hashed set.
		for _, x := range a {
			if !containsItem(out, x) {
				out = append(out, x)
			}
		}
		for _, x := range b {
			if !containsItem(out, x) {
				out = append(out, x)
			}
		}
		return out
	}
	set := newItemSet()
	for _, x := range a {
		if set.add(x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if set.add(x) {
			out = append(out, x)
		}
	}
	return out
}

func containsItem(coll []Item, x Item) bool {
	for _, y := range coll {
		if eq, known := itemsEqual(y, x); known && eq {
			return true
		}
	}
	return false
}

func concat(c *evalCtx, pos int, ls, rs []Item) ([]Item, error) {
	str := func(xs []Item) (string, error) {
		if len(xs) == 0 {
			return "", nil
		}
		if len(xs) > 1 {
			return "", c.errf(pos, "'&' needs single items")
		}
		v, _ := xs[0].Value()
		s, ok := v.(string)
		if !ok {
			return "", c.errf(pos, "'&' needs strings, got %s", xs[0].TypeName())
		}
		return s, nil
	}
	a, err := str(ls)
	if err != nil {
		return nil, err
	}
	b, err := str(rs)
	if err != nil {
		return nil, err
	}
	return []Item{{sys: a + b}}, nil
}
