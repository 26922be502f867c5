package search

import (
	"fmt"
	"strconv"
	"time"
)

// dateRange is the closed-open interval [low, high) of instants, in
// milliseconds since the epoch, that a date-like value covers: 2013 covers
// the whole year, 2013-01-14T10:00:00Z one second.
type dateRange struct{ low, high int64 }

// Extreme bounds used for open-ended periods; far beyond any real date, but
// small enough that the 10% widening of `ap` cannot overflow.
const (
	minMillis = -62135596800000 * 2 // before year 1
	maxMillis = 253402300800000 * 2 // after year 9999
)

// parseDateRange reads a FHIR date, dateTime or instant (and the search
// syntax, which also allows a dateTime without seconds) and returns the range
// its precision implies. A value without a time zone is read as UTC, the
// server's zone.
func parseDateRange(s string) (dateRange, error) {
	bad := func() (dateRange, error) { return dateRange{}, fmt.Errorf("invalid date/time %q", s) }
	num := func(from, n int) (int, bool) {
		if from+n > len(s) {
			return 0, false
		}
		v, err := strconv.Atoi(s[from : from+n])
		if err != nil || s[from] == '+' || s[from] == '-' {
			return 0, false
		}
		return v, true
	}
	year, ok := num(0, 4)
	if !ok {
		return bad()
	}
	month, day, hour, minute, sec, nanos := 1, 1, 0, 0, 0, 0
	p := 4
	var unit func(time.Time) time.Time
	unit = func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }
	if p < len(s) && s[p] == '-' {
		if month, ok = num(p+1, 2); !ok || month < 1 || month > 12 {
			return bad()
		}
		p += 3
		unit = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
		if p < len(s) && s[p] == '-' {
			if day, ok = num(p+1, 2); !ok || day < 1 || day > daysIn(year, month) {
				return bad()
			}
			p += 3
			unit = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
		}
	}
	zone := time.UTC
	if p < len(s) && s[p] == 'T' && unit != nil && p == 10 {
		if hour, ok = num(p+1, 2); !ok || hour > 23 || p+3 >= len(s) || s[p+3] != ':' {
			return bad()
		}
		if minute, ok = num(p+4, 2); !ok || minute > 59 {
			return bad()
		}
		p += 6
		unit = func(t time.Time) time.Time { return t.Add(time.Minute) }
		if p < len(s) && s[p] == ':' {
			if sec, ok = num(p+1, 2); !ok || sec > 60 {
				return bad()
			}
			p += 3
			unit = func(t time.Time) time.Time { return t.Add(time.Second) }
			if p < len(s) && s[p] == '.' {
				q := p + 1
				for q < len(s) && s[q] >= '0' && s[q] <= '9' {
					q++
				}
				frac := s[p+1 : q]
				if frac == "" || len(frac) > 9 {
					return bad()
				}
				n, _ := strconv.Atoi(frac)
				for i := len(frac); i < 9; i++ {
					n *= 10
				}
				nanos = n
				step := time.Duration(1)
				for i := len(frac); i < 9; i++ {
					step *= 10
				}
				unit = func(t time.Time) time.Time { return t.Add(step) }
				p = q
			}
		}
		if sec == 60 {
			sec = 59 // leap second: keep it inside its minute
		}
		switch {
		case p < len(s) && s[p] == 'Z':
			p++
		case p < len(s) && (s[p] == '+' || s[p] == '-'):
			zh, ok1 := num(p+1, 2)
			zm, ok2 := num(p+4, 2)
			if !ok1 || !ok2 || s[p+3] != ':' || zh > 14 || zm > 59 {
				return bad()
			}
			off := zh*3600 + zm*60
			if s[p] == '-' {
				off = -off
			}
			zone = time.FixedZone("", off)
			p += 6
		}
	}
	if p != len(s) {
		return bad()
	}
	start := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, zone)
	end := unit(start)
	return dateRange{low: start.UnixMilli(), high: ceilMillis(end)}, nil
}

// ceilMillis rounds up so a sub-millisecond precision still covers its instant.
func ceilMillis(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return ms
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
