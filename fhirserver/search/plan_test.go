package search

import "testing"

func TestRangesAndMatches(t *testing.T) {
	k := []byte("abc")
	ex := exactRange(k)
	pr := prefixRange([]byte("ab"))
	cases := []struct {
		r    scanRange
		v    string
		want bool
	}{
		{ex, "abc", true}, {ex, "abcd", false}, {ex, "abb", false},
		{pr, "ab", true}, {pr, "abzz", true}, {pr, "ac", false}, {pr, "a", false},
	}
	for _, c := range cases {
		p := valuePlan{ranges: []scanRange{c.r}}
		if got := p.matches([]byte(c.v)); got != c.want {
			t.Errorf("%q in [%q,%q): %v, want %v", c.v, c.r.lo, c.r.hi, got, c.want)
		}
	}
	filtered := valuePlan{ranges: []scanRange{{lo: []byte("a"), hi: []byte("b"), filter: func(v []byte) bool { return len(v) == 2 }}}}
	if filtered.matches([]byte("abc")) || !filtered.matches([]byte("ab")) {
		t.Errorf("filter not applied")
	}
	neg := valuePlan{ranges: []scanRange{ex}, negate: true}
	if neg.matches(k) || !neg.matches([]byte("x")) {
		t.Errorf("negation not applied")
	}
}
