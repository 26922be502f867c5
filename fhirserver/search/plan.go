package search

import "github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"

// item is one result of a SearchParameter expression: a node of the
// resource with its FHIR type ("" when the engine could not tell), or a
// value the expression computed (sys).
type item struct {
	typ string
	v   *fhirjson.Value
	sys any
}

// indexValue is what one extracted value contributes to the index: the
// search entries (tag byte + payload, see doc.go) and the key it sorts by
// (nil when the value cannot be sorted on).
type indexValue struct {
	keys [][]byte
	sort []byte
	// sortHi is the descending sort key when it differs (a date range sorts
	// ascending by its start and descending by its end).
	sortHi []byte
}

// scanRange is one range of index values [lo, hi) of a parameter (hi nil:
// to the end of the parameter), with an optional filter over each value
// for conditions a range alone cannot express.
type scanRange struct {
	lo, hi []byte
	filter func(value []byte) bool
}

// valuePlan is how to find the resources matching one search value: the
// union of its ranges. exact is true when the ranges hold exactly one value
// each, so every resource appears at most once per range (count fast path).
type valuePlan struct {
	ranges []scanRange
	exact  bool
	// negate: the value matches every resource of the type NOT in the
	// ranges (date/number prefix ne).
	negate bool
}

// exactRange returns the range holding exactly the index value k.
func exactRange(k []byte) scanRange {
	return scanRange{lo: k, hi: append(append([]byte(nil), k...), 0)}
}

// prefixRange returns the range of every index value starting with p.
func prefixRange(p []byte) scanRange { return scanRange{lo: p, hi: prefixEnd(p)} }
