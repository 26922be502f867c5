package search

import (
	"fmt"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// numberLiteral returns the decimal literal of a number node or computed
// value ("" when there is none).
func numberLiteral(it item) string {
	if it.v != nil {
		if it.v.Kind == fhirjson.Number {
			return it.v.Text
		}
		return ""
	}
	switch x := it.sys.(type) {
	case int64:
		return fmt.Sprint(x)
	case fmt.Stringer:
		return x.String()
	}
	return ""
}

func numberValues(items []item) []indexValue {
	var out []indexValue
	for _, it := range items {
		d, err := parseDecimal(numberLiteral(it))
		if err != nil {
			continue
		}
		k := appendDecimal(nil, d)
		out = append(out, indexValue{keys: [][]byte{append([]byte{'v'}, k...)}, sort: k})
	}
	return out
}

// decimalPlan compiles a prefixed decimal against the values under head
// (the tag byte plus any unit pieces). Equality uses the precision of the
// search value (100 matches [99.5, 100.5)); the other comparisons use the
// value itself, as the spec defines them.
func decimalPlan(name, value string, head []byte) (valuePlan, error) {
	prefix, rest := splitPrefix(value)
	d, err := parseDecimal(rest)
	if err != nil {
		return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: %v", name, err)
	}
	key := func(x decimal) []byte { return appendDecimal(append([]byte(nil), head...), x) }
	after := func(x decimal) []byte { return append(key(x), 0x00) } // just past x's own key
	all := prefixRange(head)
	rng := func(lo, hi []byte) valuePlan { return valuePlan{ranges: []scanRange{{lo: lo, hi: hi}}} }
	switch prefix {
	case "", "eq", "ne":
		lo, hi := d.bounds()
		p := rng(key(lo), key(hi))
		p.negate = prefix == "ne"
		return p, nil
	case "gt", "sa":
		return rng(after(d), all.hi), nil
	case "lt", "eb":
		return rng(all.lo, key(d)), nil
	case "ge":
		return rng(key(d), all.hi), nil
	case "le":
		return rng(all.lo, after(d)), nil
	case "ap":
		// ±10% of the value (and at least the precision range).
		ten := d.abs().shift(1)
		lo, hi := d.bounds()
		if a := d.add(ten.neg()); lessDecimal(a, lo) {
			lo = a
		}
		if b := d.add(ten); lessDecimal(hi, b) {
			hi = b
		}
		return rng(key(lo), after(hi)), nil
	}
	return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: unknown prefix %q", name, prefix)
}

func lessDecimal(a, b decimal) bool {
	return string(appendDecimal(nil, a)) < string(appendDecimal(nil, b))
}

func numberPlan(name, value string) (valuePlan, error) {
	return decimalPlan(name, value, []byte{'v'})
}
