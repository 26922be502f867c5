package search

import (
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestDatePlans(t *testing.T) {
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	keysOf := func(typ, js string) [][]byte {
		v, err := fhirjson.Parse([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		var keys [][]byte
		for _, iv := range dateValues([]item{{typ: typ, v: v}}) {
			keys = append(keys, iv.keys...)
		}
		return keys
	}
	day := keysOf("date", `"2013-01-14"`)
	instant := keysOf("instant", `"2013-01-14T10:00:00Z"`)
	period := keysOf("Period", `{"start":"2012-06-01","end":"2014-06-30"}`)
	open := keysOf("Period", `{"start":"2012-06-01"}`)
	timing := keysOf("Timing", `{"event":["2011-02-03"]}`)
	cases := []struct {
		keys  [][]byte
		query string
		want  bool
	}{
		{day, "2013-01-14", true},
		{day, "2013-01", true},
		{day, "2013", true},
		{day, "2013-01-14T10:00", false}, // the day is not inside that minute
		{day, "ne2013-01-14", false},
		{day, "ne2013-01-15", true},
		{day, "gt2013-01-13", true},
		{day, "gt2013-01-14", false},
		{day, "lt2013-01-15", true},
		{day, "lt2013-01-14", false},
		{day, "ge2013-01-14", true},
		{day, "le2013-01-14", true},
		{day, "sa2013-01-13", true},
		{day, "sa2013-01-14", false},
		{day, "eb2013-01-15", true},
		{day, "eb2013-01-14", false},
		{day, "ap2013-01-10", true}, // 10% of ~7 years
		{day, "ap2019-12-20", false},
		{instant, "2013-01-14T10:00", true},
		{instant, "2013-01-14T11:00:00+01:00", true},
		{period, "2013", false}, // eq: the period must lie inside 2013
		{period, "2012-06-01", false},
		{keysOf("Period", `{"start":"2013-02-01","end":"2013-03-01"}`), "2013", true},
		{period, "ge2013", true},
		{period, "le2013", true},
		{period, "gt2013", true},
		{period, "lt2013", true},
		{period, "sa2011", true},
		{open, "gt2100", true}, // no end: goes on
		{open, "lt2012-06-01", false},
		{timing, "2011-02", true},
	}
	for _, c := range cases {
		p, err := datePlan("date", c.query, now)
		if err != nil {
			t.Fatal(err)
		}
		// matches is per index value; ne negates per resource.
		neg := p.negate
		p.negate = false
		got := false
		for _, k := range c.keys {
			got = got || p.matches(k)
		}
		if neg {
			got = !got
		}
		if got != c.want {
			t.Errorf("date=%s: %v, want %v", c.query, got, c.want)
		}
	}
	for _, bad := range []string{"xx2013", "2013-13", "gt", "2013-01-14T25:00"} {
		if _, err := datePlan("date", bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDecodeDateKey(t *testing.T) {
	for _, tag := range []byte{'l', 'h'} {
		k := appendDateKey(nil, tag, 10, 20)
		if tag == 'h' {
			k = appendDateKey(nil, tag, 20, 10)
		}
		r, ok := decodeDateKey(k)
		if !ok || r.low != 10 || r.high != 20 {
			t.Errorf("tag %c: %v %v", tag, r, ok)
		}
	}
	if _, ok := decodeDateKey([]byte{'l', 1}); ok {
		t.Errorf("short key decoded")
	}
}
