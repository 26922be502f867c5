package fhirpath

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// collectionsEqual is `=` on two non-empty collections: same length and
// pairwise equal in order; known is false when some pair is incomparable.
func collectionsEqual(a, b []Item) (eq, known bool) {
	if len(a) != len(b) {
		return false, true
	}
	allKnown := true
	for i := range a {
		e, k := itemsEqual(a[i], b[i])
		if k && !e {
			return false, true
		}
		allKnown = allKnown && k
	}
	return true, allKnown
}

// itemsEqual is `=` on two items. Primitives compare as System values (an
// Integer equals the Decimal of the same value); complex nodes compare
// member by member.
func itemsEqual(a, b Item) (eq, known bool) {
	if a.isObject() && b.isObject() {
		return jsonEqual(a.val, b.val, false), true
	}
	av, aok := a.Value()
	bv, bok := b.Value()
	if aok && bok {
		return valuesEqual(av, bv)
	}
	if aok != bok {
		return false, true
	}
	if a.val == nil || b.val == nil {
		return a.val == b.val && jsonEqual(a.ext, b.ext, false), true
	}
	return jsonEqual(a.val, b.val, false), true
}

func valuesEqual(a, b any) (eq, known bool) {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y, true
	case bool:
		y, ok := b.(bool)
		return ok && x == y, true
	case int64, Decimal:
		da, _ := toDecimal(a)
		db, ok := toDecimal(b)
		return ok && da.Cmp(db) == 0, true
	case Temporal:
		y, ok := b.(Temporal)
		if !ok {
			return false, true
		}
		cmp, k := compareTemporal(x, y)
		return k && cmp == 0, k
	case Quantity:
		y, ok := b.(Quantity)
		if !ok {
			return false, true
		}
		va, vb, k := commensurable(x, y)
		return k && va.Cmp(vb) == 0, k
	}
	return false, true
}

func toDecimal(v any) (Decimal, bool) {
	switch x := v.(type) {
	case int64:
		return DecimalFromInt(x), true
	case Decimal:
		return x, true
	}
	return Decimal{}, false
}

// collectionsEquivalent is `~`: both empty, or the same size with every
// item of a equivalent to some item of b (order does not matter).
func collectionsEquivalent(a, b []Item) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && itemsEquivalent(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func itemsEquivalent(a, b Item) bool {
	if a.isObject() && b.isObject() {
		return jsonEqual(a.val, b.val, true)
	}
	av, aok := a.Value()
	bv, bok := b.Value()
	if aok != bok {
		return false
	}
	if !aok {
		if a.val == nil || b.val == nil {
			return a.val == b.val
		}
		return jsonEqual(a.val, b.val, true)
	}
	switch x := av.(type) {
	case string:
		y, ok := bv.(string)
		return ok && normalizeSpace(x) == normalizeSpace(y)
	case int64, Decimal:
		da, _ := toDecimal(av)
		db, ok := toDecimal(bv)
		if !ok {
			return false
		}
		p := min(da.scale, db.scale)
		return da.roundTo(p).Cmp(db.roundTo(p)) == 0
	case Temporal:
		y, ok := bv.(Temporal)
		if !ok {
			return false
		}
		cmp, k := compareTemporal(x, y)
		return k && cmp == 0
	case Quantity:
		y, ok := bv.(Quantity)
		if !ok {
			return false
		}
		va, vb, k := commensurable(x, y)
		if !k {
			return false
		}
		p := min(va.scale, vb.scale)
		return va.roundTo(p).Cmp(vb.roundTo(p)) == 0
	}
	eq, _ := valuesEqual(av, bv)
	return eq
}

// normalizeSpace lower-cases and turns every white space character into a
// space: `~` on strings treats all white space characters as equivalent
// (it does not collapse runs of them).
func normalizeSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		return unicode.ToLower(r)
	}, s)
}

// jsonEqual compares two JSON trees; object member order never matters,
// numbers compare by value, strings exactly or (equiv) case-insensitively.
func jsonEqual(a, b *fhirjson.Value, equiv bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case fhirjson.Null:
		return true
	case fhirjson.Bool:
		return a.Bool == b.Bool
	case fhirjson.Number:
		if a.Text == b.Text {
			return true
		}
		da, e1 := ParseDecimal(a.Text)
		db, e2 := ParseDecimal(b.Text)
		return e1 == nil && e2 == nil && da.Cmp(db) == 0
	case fhirjson.String:
		if equiv {
			return normalizeSpace(a.Text) == normalizeSpace(b.Text)
		}
		return a.Text == b.Text
	case fhirjson.Array:
		if len(a.Items) != len(b.Items) {
			return false
		}
		for i := range a.Items {
			if !jsonEqual(a.Items[i], b.Items[i], equiv) {
				return false
			}
		}
		return true
	}
	if len(a.Members) != len(b.Members) {
		return false
	}
	for _, m := range a.Members {
		if !jsonEqual(m.Value, b.Get(m.Name), equiv) {
			return false
		}
	}
	return true
}

// compareItems orders two items for < > <= >=; known is false when the
// precisions of two dates leave the answer open; err is set for types that
// cannot be ordered against each other.
func compareItems(a, b Item) (cmp int, known bool, err error) {
	av, aok := a.Value()
	bv, bok := b.Value()
	if !aok || !bok {
		return 0, false, fmt.Errorf("cannot compare %s with %s", a.TypeName(), b.TypeName())
	}
	switch x := av.(type) {
	case string:
		if y, ok := bv.(string); ok {
			return strings.Compare(x, y), true, nil
		}
	case int64, Decimal:
		da, _ := toDecimal(av)
		if db, ok := toDecimal(bv); ok {
			return da.Cmp(db), true, nil
		}
	case Temporal:
		if y, ok := bv.(Temporal); ok {
			c, k := compareTemporal(x, y)
			return c, k, nil
		}
	case Quantity:
		if y, ok := bv.(Quantity); ok {
			va, vb, k := commensurable(x, y)
			if !k {
				return 0, false, nil
			}
			return va.Cmp(vb), true, nil
		}
	}
	return 0, false, fmt.Errorf("cannot compare %s with %s", a.TypeName(), b.TypeName())
}
