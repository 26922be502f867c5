package fhirpath

// Existence, filtering, subsetting and combining functions (spec §5.1–5.4).

func fnEmpty(k *call) ([]Item, error) { return boolItems(len(k.in) == 0), nil }

func fnExists(k *call) ([]Item, error) {
	if len(k.n.args) == 0 {
		return boolItems(len(k.in) > 0), nil
	}
	for i, it := range k.in {
		ok, err := k.test(0, it, i)
		if err != nil {
			return nil, err
		}
		if ok {
			return boolItems(true), nil
		}
	}
	return boolItems(false), nil
}

func fnAll(k *call) ([]Item, error) {
	for i, it := range k.in {
		ok, err := k.test(0, it, i)
		if err != nil {
			return nil, err
		}
		if !ok {
			return boolItems(false), nil
		}
	}
	return boolItems(true), nil
}

// boolsFn builds allTrue/anyTrue/allFalse/anyFalse from counts of true,
// false and all items.
func boolsFn(decide func(t, f, n int) bool) func(k *call) ([]Item, error) {
	return func(k *call) ([]Item, error) {
		t, f := 0, 0
		for _, it := range k.in {
			v, _ := it.Value()
			b, ok := v.(bool)
			if !ok {
				return nil, k.errf("%s() needs booleans, got %s", k.n.name, it.TypeName())
			}
			if b {
				t++
			} else {
				f++
			}
		}
		return boolItems(decide(t, f, len(k.in))), nil
	}
}

func fnSubsetOf(k *call) ([]Item, error) {
	other, err := k.arg(0)
	if err != nil {
		return nil, err
	}
	return boolItems(subset(k.in, other)), nil
}

func fnSupersetOf(k *call) ([]Item, error) {
	other, err := k.arg(0)
	if err != nil {
		return nil, err
	}
	return boolItems(subset(other, k.in)), nil
}

func subset(a, b []Item) bool {
	set := newItemSet()
	for _, y := range b {
		set.add(y)
	}
	for _, x := range a {
		if !set.contains(x) {
			return false
		}
	}
	return true
}

func fnIsDistinct(k *call) ([]Item, error) {
	return boolItems(len(union(k.in, nil)) == len(k.in)), nil
}

func fnDistinct(k *call) ([]Item, error) { return union(k.in, nil), nil }

func fnCount(k *call) ([]Item, error) { return []Item{{sys: int64(len(k.in))}}, nil }

func fnNot(k *call) ([]Item, error) {
	v, known, err := boolOf(k.c, k.n.pos, k.in)
	if err != nil || !known {
		return nil, err
	}
	return boolItems(!v), nil
}

func fnWhere(k *call) ([]Item, error) {
	var out []Item
	for i, it := range k.in {
		ok, err := k.test(0, it, i)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func fnSelect(k *call) ([]Item, error) {
	var out []Item
	for i, it := range k.in {
		r, err := k.argFor(0, it, i)
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return out, nil
}

// maxRepeat bounds repeat(): a projection that always makes new values
// (repeat($this + 'a')) would otherwise never stop.
const maxRepeat = 10000

// fnRepeat applies the projection until no new items appear.
func fnRepeat(k *call) ([]Item, error) {
	var out []Item
	seen := newItemSet()
	work := k.in
	for len(work) > 0 {
		var next []Item
		for i, it := range work {
			r, err := k.argFor(0, it, i)
			if err != nil {
				return nil, err
			}
			for _, x := range r {
				if !seen.add(x) {
					continue
				}
				out = append(out, x)
				next = append(next, x)
				if len(out) > maxRepeat {
					return nil, k.errf("repeat() produced more than %d items", maxRepeat)
				}
			}
		}
		work = next
	}
	return out, nil
}

func fnOfType(k *call) ([]Item, error) { return k.c.ofType(k.in, k.n.ts), nil }

func fnIs(k *call) ([]Item, error) {
	it, ok, err := k.single()
	if err != nil || !ok {
		return nil, err
	}
	return boolItems(k.c.isType(it, k.n.ts)), nil
}

func fnAggregate(k *call) ([]Item, error) {
	var total []Item
	if len(k.n.args) > 1 {
		var err error
		if total, err = k.arg(1); err != nil {
			return nil, err
		}
	}
	for i, it := range k.in {
		c := k.c.withThis(it, i)
		c.total, c.hasTotal = total, true
		r, err := k.n.args[0].eval(c, []Item{it})
		if err != nil {
			return nil, err
		}
		total = r
	}
	return total, nil
}

func fnSingle(k *call) ([]Item, error) {
	it, ok, err := k.single()
	if err != nil || !ok {
		return nil, err
	}
	return []Item{it}, nil
}

func fnSkip(k *call) ([]Item, error) {
	n, ok, err := k.argInt(0)
	if err != nil || !ok {
		return nil, err
	}
	if n >= int64(len(k.in)) {
		return nil, nil
	}
	return sliceOf(k.in, int(max(n, 0)), len(k.in)), nil
}

func fnTake(k *call) ([]Item, error) {
	n, ok, err := k.argInt(0)
	if err != nil || !ok {
		return nil, err
	}
	return sliceOf(k.in, 0, int(min(n, int64(len(k.in))))), nil
}

func fnIntersect(k *call) ([]Item, error) {
	other, err := k.arg(0)
	if err != nil {
		return nil, err
	}
	in, done := newItemSet(), newItemSet()
	for _, y := range other {
		in.add(y)
	}
	var out []Item
	for _, x := range k.in {
		if in.contains(x) && done.add(x) {
			out = append(out, x)
		}
	}
	return out, nil
}

func fnExclude(k *call) ([]Item, error) {
	other, err := k.arg(0)
	if err != nil {
		return nil, err
	}
	set := newItemSet()
	for _, y := range other {
		set.add(y)
	}
	var out []Item
	for _, x := range k.in {
		if !set.contains(x) {
			out = append(out, x)
		}
	}
	return out, nil
}

func fnUnion(k *call) ([]Item, error) {
	other, err := k.arg(0)
	if err != nil {
		return nil, err
	}
	return union(k.in, other), nil
}

func fnCombine(k *call) ([]Item, error) {
	other, err := k.arg(0)
	if err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(k.in)+len(other))
	return append(append(out, k.in...), other...), nil
}

func fnIif(k *call) ([]Item, error) {
	cond, err := k.argOnInput(0)
	if err != nil {
		return nil, err
	}
	v, known, err := boolOf(k.c, k.n.pos, cond)
	if err != nil {
		return nil, err
	}
	if known && v {
		return k.argOnInput(1)
	}
	if len(k.n.args) > 2 {
		return k.argOnInput(2)
	}
	return nil, nil
}
