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
	// twin: ranges[1:] are ranges[0] under the sort tags, where a
	// resource's one value of a string, token, number, quantity or date
	// parameter is written (merged, doc.go), and the least and greatest of
	// its several values of the other four types (folded); a resource's
	// entry of one value is in one of them, never two.
	twin bool
}

// withTwin adds to a plan of one range of string, token, number, quantity
// or date entries the same range under each sort tag that holds such
// entries too: a string, token, number or quantity's under tagSortOne
// (merged) and tagSortMin and tagSortMax (folded), a date's start-first
// entries under tagSortMin and its end-first ones under tagSortMax
// (merged), all of which a query reads. A date's merged run also holds the
// sort keys of the resources with several dates, which are not values: its
// range keeps only entries of a date value's length.
func withTwin(p valuePlan) valuePlan {
	if len(p.ranges) != 1 || len(p.ranges[0].lo) == 0 {
		return p
	}
	r := p.ranges[0]
	tag := r.lo[0]
	out := []scanRange{r}
	for _, t := range twinTags(tag) {
		tw := scanRange{lo: append([]byte{t}, r.lo[1:]...), filter: r.filter}
		if len(tw.lo) == 1 {
			// From the start of the tag, but past the presence entries
			// with an empty key (a token without a code, a quantity
			// without a value), which are no value.
			tw.lo = append(tw.lo, 0)
		}
		switch {
		case len(r.hi) > 0 && r.hi[0] == tag:
			tw.hi = append([]byte{t}, r.hi[1:]...)
		case len(r.hi) == 1 && r.hi[0] == tag+1:
			tw.hi = []byte{t + 1}
		default:
			return p // not within the tag: no such plan is made
		}
		if tag == 'l' || tag == 'h' {
			f := r.filter
			tw.filter = func(v []byte) bool { return len(v) == dateKeyLen && (f == nil || f(v)) }
		}
		out = append(out, tw)
	}
	if len(out) == 1 {
		return p
	}
	p.ranges = out
	p.twin = true
	return p
}

// twinTags are the sort tags that hold entries of tag t besides t itself
// (withTwin): where a single value is merged (mergedTag), and for the
// types whose several values are folded, tagSortMin and tagSortMax. The
// merged tag comes last: it usually holds the most entries, and a walk of
// several runs reads its last as it comes (mergeRuns).
func twinTags(t byte) []byte {
	switch m := mergedTag(t); m {
	case 0:
		return nil
	case tagSortOne:
		return []byte{tagSortMin, tagSortMax, tagSortOne}
	default:
		return []byte{m}
	}
}

// exactRange returns the range holding exactly the index value k.
func exactRange(k []byte) scanRange {
	return scanRange{lo: k, hi: append(append([]byte(nil), k...), 0)}
}

// prefixRange returns the range of every index value starting with p.
func prefixRange(p []byte) scanRange { return scanRange{lo: p, hi: prefixEnd(p)} }
