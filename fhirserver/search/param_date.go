package search

import (
	"math"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// dateRanges returns the instants one node covers: a date, dateTime or
// instant by its precision, a Period from start to end (open ends
// unbounded), a Timing by its events and its bounds.
func dateRanges(it item) []dateRange {
	v := it.v
	if v == nil {
		if t, ok := it.sys.(interface{ String() string }); ok {
			if r, err := parseDateRange(t.String()); err == nil {
				return []dateRange{r}
			}
		}
		return nil
	}
	switch v.Kind {
	case fhirjson.String:
		if r, err := parseDateRange(v.Text); err == nil {
			return []dateRange{r}
		}
		return nil
	case fhirjson.Object:
	default:
		return nil
	}
	if v.Get("start") != nil || v.Get("end") != nil {
		return []dateRange{periodRange(v)}
	}
	var out []dateRange
	if ev := v.Get("event"); ev != nil && ev.Kind == fhirjson.Array {
		for _, e := range ev.Items {
			if e.Kind == fhirjson.String {
				if r, err := parseDateRange(e.Text); err == nil {
					out = append(out, r)
				}
			}
		}
	}
	if rep := v.Get("repeat"); rep != nil {
		if b := rep.Get("boundsPeriod"); b != nil {
			out = append(out, periodRange(b))
		}
	}
	return out
}

func periodRange(p *fhirjson.Value) dateRange {
	r := dateRange{low: minMillis, high: maxMillis}
	if s, err := parseDateRange(p.Str("start")); err == nil {
		r.low = s.low
	}
	if e, err := parseDateRange(p.Str("end")); err == nil {
		r.high = e.high
	}
	if r.high < r.low {
		r.high = r.low
	}
	return r
}

// appendDateKey appends a date entry: its tag, then a and b (dateKeyLen
// bytes).
func appendDateKey(dst []byte, tag byte, a, b int64) []byte {
	return appendI64(appendI64(append(dst, tag), a), b)
}

func dateValues(items []item) []indexValue {
	var out []indexValue
	for _, it := range items {
		for _, r := range dateRanges(it) {
			// One allocation for both entries; each sort key is the
			// first i64 of its entry.
			l := appendDateKey(make([]byte, 0, 2*dateKeyLen), 'l', r.low, r.high)
			h := appendDateKey(l[len(l):], 'h', r.high, r.low)
			out = append(out, indexValue{
				keys:   [][]byte{l[:len(l):len(l)], h},
				sort:   l[1 : 1+i64Bytes : 1+i64Bytes],
				sortHi: h[1 : 1+i64Bytes : 1+i64Bytes],
			})
		}
	}
	return out
}

// dateKeyLen is the length of a date entry: its tag and two i64s.
const dateKeyLen = 17

// decodeDateKey reads an 'l' or 'h' entry (or the same merged under
// tagSortMin or tagSortMax) back into its range.
func decodeDateKey(v []byte) (dateRange, bool) {
	if len(v) != dateKeyLen {
		return dateRange{}, false
	}
	a, _, _ := readI64(v[1:])
	b, _, _ := readI64(v[9:])
	if v[0] == 'h' || v[0] == tagSortMax {
		a, b = b, a
	}
	return dateRange{low: a, high: b}, true
}

// datePlan compiles one value of a date parameter ("ge2013-01-14"). The
// comparisons are the R4 definitions over the target range t and the search
// range s; now is the moment `ap` measures its 10% from.
func datePlan(name, value string, now time.Time) (valuePlan, error) {
	prefix, rest := splitPrefix(value)
	s, err := parseDateRange(rest)
	if err != nil {
		return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: %v", name, err)
	}
	lAll, hAll := []byte{'l'}, []byte{'h'}
	withFilter := func(lo, hi []byte, f func(t dateRange) bool) valuePlan {
		r := scanRange{lo: lo, hi: hi}
		if f != nil {
			r.filter = func(v []byte) bool { t, ok := decodeDateKey(v); return ok && f(t) }
		}
		return valuePlan{ranges: []scanRange{r}}
	}
	l := func(x int64) []byte { return appendI64([]byte{'l'}, x) }
	h := func(x int64) []byte { return appendI64([]byte{'h'}, x) }
	switch prefix {
	case "", "eq", "ne":
		p := withFilter(l(s.low), l(s.high), func(t dateRange) bool { return t.high <= s.high })
		p.negate = prefix == "ne"
		return p, nil
	case "gt":
		return withFilter(h(s.high+1), prefixEnd(hAll), nil), nil
	case "lt":
		return withFilter(lAll, l(s.low), nil), nil
	case "ge":
		return withFilter(h(s.low+1), prefixEnd(hAll), func(t dateRange) bool { return t.high > s.high || t.low >= s.low }), nil
	case "le":
		return withFilter(lAll, l(s.high), func(t dateRange) bool { return t.low < s.low || t.high <= s.high }), nil
	case "sa":
		return withFilter(l(s.high), prefixEnd(lAll), nil), nil
	case "eb":
		return withFilter(hAll, h(s.low+1), nil), nil
	case "ap":
		// 10% of the distance from now, at least a day, as the spec suggests.
		gap := math.Abs(float64(now.UnixMilli() - s.low))
		d := int64(math.Max(gap/10, float64(24*time.Hour/time.Millisecond)))
		lo, hi := s.low-d, s.high+d
		return withFilter(lAll, l(hi), func(t dateRange) bool { return t.high > lo }), nil
	}
	return valuePlan{}, outcome.BadRequest(outcome.CodeInvalid, name, "%s: unknown prefix %q", name, prefix)
}

// splitPrefix splits a comparison prefix (eq, ne, gt, lt, ge, le, sa, eb,
// ap) off a date, number or quantity value. Other letters stay on the value,
// so an error quotes it whole ("notadate", not "tadate").
func splitPrefix(v string) (prefix, rest string) {
	if len(v) >= 2 {
		switch v[:2] {
		case "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap":
			return v[:2], v[2:]
		}
	}
	return "", v
}
