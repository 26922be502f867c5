package search

import (
	"strings"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func uriValues(items []item) []indexValue {
	var out []indexValue
	for _, it := range items {
		var s string
		switch {
		case it.v != nil && it.v.Kind == fhirjson.String:
			s = it.v.Text
		case it.v != nil && it.v.Kind == fhirjson.Object:
			s = it.v.Str("reference") // a few uri params point at Reference (R4 _source is a uri)
		default:
			s, _ = it.sys.(string)
		}
		if s == "" {
			continue
		}
		s = truncate(s, maxStringKey)
		iv := indexValue{keys: [][]byte{appendStr([]byte{'u'}, s)}, sort: appendStr(nil, s)}
		if url, _, ok := strings.Cut(s, "|"); ok {
			iv.keys = append(iv.keys, appendStr([]byte{'u'}, url))
		}
		out = append(out, iv)
	}
	return out
}

// uriPlan: exact match by default; :below matches every URI the value is a
// prefix of; :above every URI that is a path prefix of the value.
func uriPlan(name, modifier, value string) (valuePlan, error) {
	value = unescapeValue(value)
	switch modifier {
	case "":
		return valuePlan{ranges: []scanRange{exactRange(appendStr([]byte{'u'}, value))}, exact: true}, nil
	case "below":
		return valuePlan{ranges: []scanRange{prefixRange(appendStrPrefix([]byte{'u'}, value))}}, nil
	case "above":
		var p valuePlan
		for i := len(value); i > 0; i = strings.LastIndexByte(value[:i], '/') {
			prefix := value[:i]
			if strings.HasSuffix(prefix, "/") || strings.HasSuffix(prefix, ":") {
				break
			}
			p.ranges = append(p.ranges, exactRange(appendStr([]byte{'u'}, prefix)))
		}
		return p, nil
	}
	return valuePlan{}, unsupportedModifier(name, modifier)
}

// errEmpty is the 400 for a parameter given without a value.
func errEmpty(name string) error {
	return outcome.BadRequest(outcome.CodeInvalid, name, "parameter %s has an empty value", name)
}
