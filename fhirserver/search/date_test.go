package search

import (
	"testing"
	"time"
)

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

func TestParseDateRange(t *testing.T) {
	cases := []struct {
		in       string
		low, hig string
	}{
		{"2013", "2013-01-01T00:00:00Z", "2014-01-01T00:00:00Z"},
		{"2013-02", "2013-02-01T00:00:00Z", "2013-03-01T00:00:00Z"},
		{"2012-12-31", "2012-12-31T00:00:00Z", "2013-01-01T00:00:00Z"},
		{"2013-01-14T10:00", "2013-01-14T10:00:00Z", "2013-01-14T10:01:00Z"},
		{"2013-01-14T10:00:00Z", "2013-01-14T10:00:00Z", "2013-01-14T10:00:01Z"},
		{"2013-01-14T10:00:00+02:00", "2013-01-14T08:00:00Z", "2013-01-14T08:00:01Z"},
		{"2013-01-14T10:00:00.5-05:00", "2013-01-14T15:00:00.5Z", "2013-01-14T15:00:00.6Z"},
		{"2015-02-07T13:28:17.239+02:00", "2015-02-07T11:28:17.239Z", "2015-02-07T11:28:17.240Z"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			r, err := parseDateRange(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.low != ms(c.low) || r.high != ms(c.hig) {
				t.Errorf("got [%s, %s)", time.UnixMilli(r.low).UTC(), time.UnixMilli(r.high).UTC())
			}
		})
	}
}

func TestParseDateRangeRejects(t *testing.T) {
	for _, s := range []string{"", "13", "2013-13", "2013-02-30", "2013-01-01T25:00", "2013-01-01T10", "2013-01-01X", "2013-01-01T10:00:00+2", "-2013", "2013-1-01"} {
		if _, err := parseDateRange(s); err == nil {
			t.Errorf("parseDateRange(%q) accepted", s)
		}
	}
}

func FuzzParseDateRange(f *testing.F) {
	for _, s := range []string{"2013", "2013-01-14T10:00:00.123+01:00", "2020-02-29"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseDateRange(s)
		if err == nil && r.high <= r.low {
			t.Fatalf("%q gives empty range %v", s, r)
		}
	})
}
