package search

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// quantityValues indexes Quantity-like nodes three ways: the bare value,
// value with system and code, and value with the code or unit alone (the
// value||code form). Units are compared as written; no UCUM conversion.
func quantityValues(items []item) []indexValue {
	var out []indexValue
	for _, it := range items {
		v := it.v
		if v == nil || v.Kind != fhirjson.Object {
			// A number where a quantity parameter points (rare): value only.
			for _, nv := range numberValues([]item{it}) {
				nv.keys = [][]byte{append([]byte{'q'}, nv.sort...)}
				out = append(out, nv)
			}
			continue
		}
		if v.Get("valueQuantity") != nil { // an Observation.component-like element
			v = v.Get("valueQuantity")
		}
		if lo, hi := v.Get("low"), v.Get("high"); lo != nil || hi != nil {
			// A Range: its ends are indexed as quantities, so comparisons
			// against either end find it (an approximation of range semantics).
			var ends []item
			for _, x := range []*fhirjson.Value{lo, hi} {
				if x != nil {
					ends = append(ends, item{typ: "Quantity", v: x})
				}
			}
			out = append(out, quantityValues(ends)...)
			continue
		}
		num := v.Get("value")
		if num == nil || num.Kind != fhirjson.Number {
			continue
		}
		d, err := parseDecimal(num.Text)
		if err != nil {
			continue
		}
		dk := appendDecimal(nil, d)
		iv := indexValue{keys: [][]byte{append([]byte{'q'}, dk...)}, sort: dk}
		system, code, unit := v.Str("system"), v.Str("code"), v.Str("unit")
		if code != "" {
			iv.keys = append(iv.keys, append(appendStr(appendStr([]byte{'u'}, system), code), dk...))
			iv.keys = append(iv.keys, append(appendStr([]byte{'U'}, code), dk...))
		}
		if unit != "" && unit != code {
			iv.keys = append(iv.keys, append(appendStr([]byte{'U'}, unit), dk...))
		}
		out = append(out, iv)
	}
	return out
}

// quantityPlan compiles [prefix]number[|system|code].
func quantityPlan(name, value string) (valuePlan, error) {
	parts := splitUnescaped(value, '|')
	switch len(parts) {
	case 1:
		return decimalPlan(name, parts[0], []byte{'q'})
	case 3:
		system, code := unescapeValue(parts[1]), unescapeValue(parts[2])
		switch {
		case system == "" && code == "":
			return decimalPlan(name, parts[0], []byte{'q'})
		case system == "":
			return decimalPlan(name, parts[0], appendStr([]byte{'U'}, code))
		case code == "":
			return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: a system needs a code in %q", name, value)
		}
		return decimalPlan(name, parts[0], appendStr(appendStr([]byte{'u'}, system), code))
	}
	return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: quantity must be number or number|system|code, got %q", name, value)
}

// splitUnescaped splits s at sep where sep is not escaped by a backslash.
func splitUnescaped(s string, sep byte) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unescapeValue removes the search escapes \, \$ \| and \\.
func unescapeValue(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
