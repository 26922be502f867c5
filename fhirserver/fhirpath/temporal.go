package fhirpath

import (
	"fmt"
	"strconv"
	"time"
)

// TemporalKind tells a Date, a DateTime and a Time apart.
type TemporalKind uint8

const (
	KindDate TemporalKind = iota + 1
	KindDateTime
	KindTime
)

// Precision is how much of a date/time value is known.
type Precision uint8

const (
	PrecYear Precision = iota + 1
	PrecMonth
	PrecDay
	PrecHour
	PrecMinute
	PrecSecond
	PrecMillisecond
)

// Temporal is a FHIRPath Date, DateTime or Time with the precision it was
// written with: @2014 and @2014-01-01 are different values, and comparing
// them is "unknown" (empty) rather than false.
type Temporal struct {
	Kind TemporalKind
	Prec Precision
	// Year..Nanos are the written fields; unused ones are zero (Month and
	// Day are 1-based when present).
	Year, Month, Day, Hour, Minute, Second, Nanos int
	// HasZone reports whether a Z or ±hh:mm offset was written; ZoneMin is
	// the offset east of UTC in minutes.
	HasZone bool
	ZoneMin int
	// Text is the value as written (without the @ of a literal).
	Text string
}

// ParseTemporal reads a FHIR date, dateTime, instant or time, or a FHIRPath
// literal body (the text after @, a leading T marks a time).
func ParseTemporal(kind TemporalKind, s string) (Temporal, error) {
	t := Temporal{Kind: kind, Text: s}
	p := 0
	bad := func() (Temporal, error) { return Temporal{}, fmt.Errorf("fhirpath: %q is not a valid %s", s, kind) }
	num := func(n int) (int, bool) {
		if p+n > len(s) {
			return 0, false
		}
		v := 0
		for i := 0; i < n; i++ {
			c := s[p+i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		p += n
		return v, true
	}
	if kind != KindTime {
		var ok bool
		if t.Year, ok = num(4); !ok {
			return bad()
		}
		t.Prec = PrecYear
		if p < len(s) && s[p] == '-' {
			p++
			if t.Month, ok = num(2); !ok || t.Month < 1 || t.Month > 12 {
				return bad()
			}
			t.Prec = PrecMonth
			if p < len(s) && s[p] == '-' {
				p++
				if t.Day, ok = num(2); !ok || t.Day < 1 || t.Day > daysIn(t.Year, t.Month) {
					return bad()
				}
				t.Prec = PrecDay
			}
		}
		if p == len(s) {
			if kind == KindDate || t.Prec <= PrecDay {
				return t, nil
			}
		}
		if kind == KindDate {
			return bad()
		}
		if s[p] != 'T' {
			return bad()
		}
		p++
		if p == len(s) { // "@2014-01-01T" is a DateTime known to the day
			return t, nil
		}
	} else if p < len(s) && s[p] == 'T' {
		p++
	}
	var ok bool
	if t.Hour, ok = num(2); !ok || t.Hour > 23 {
		return bad()
	}
	t.Prec = PrecHour
	if p < len(s) && s[p] == ':' {
		p++
		if t.Minute, ok = num(2); !ok || t.Minute > 59 {
			return bad()
		}
		t.Prec = PrecMinute
		if p < len(s) && s[p] == ':' {
			p++
			if t.Second, ok = num(2); !ok || t.Second > 60 {
				return bad()
			}
			t.Prec = PrecSecond
			if p < len(s) && s[p] == '.' {
				p++
				start := p
				for p < len(s) && s[p] >= '0' && s[p] <= '9' {
					p++
				}
				if p == start {
					return bad()
				}
				frac := s[start:p]
				for len(frac) < 9 {
					frac += "0"
				}
				n, _ := strconv.Atoi(frac[:9])
				t.Nanos = n
				t.Prec = PrecMillisecond
			}
		}
	}
	if p < len(s) && kind == KindDateTime {
		switch s[p] {
		case 'Z':
			t.HasZone = true
			p++
		case '+', '-':
			sign := 1
			if s[p] == '-' {
				sign = -1
			}
			p++
			h, ok1 := num(2)
			if p >= len(s) || s[p] != ':' || !ok1 {
				return bad()
			}
			p++
			m, ok2 := num(2)
			if !ok2 {
				return bad()
			}
			t.HasZone, t.ZoneMin = true, sign*(h*60+m)
		}
	}
	if p != len(s) {
		return bad()
	}
	return t, nil
}

func (k TemporalKind) String() string {
	switch k {
	case KindDate:
		return "Date"
	case KindDateTime:
		return "DateTime"
	}
	return "Time"
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// String prints the value as FHIRPath writes it (without the @).
func (t Temporal) String() string {
	if t.Text != "" {
		return t.Text
	}
	return t.format()
}

func (t Temporal) format() string {
	var s string
	if t.Kind != KindTime {
		s = fmt.Sprintf("%04d", t.Year)
		if t.Prec >= PrecMonth {
			s += fmt.Sprintf("-%02d", t.Month)
		}
		if t.Prec >= PrecDay {
			s += fmt.Sprintf("-%02d", t.Day)
		}
		if t.Kind == KindDate || t.Prec <= PrecDay {
			return s
		}
		s += "T"
	}
	s += fmt.Sprintf("%02d", t.Hour)
	if t.Prec >= PrecMinute {
		s += fmt.Sprintf(":%02d", t.Minute)
	}
	if t.Prec >= PrecSecond {
		s += fmt.Sprintf(":%02d", t.Second)
	}
	if t.Prec >= PrecMillisecond {
		s += fmt.Sprintf(".%03d", t.Nanos/1e6)
	}
	if t.Kind == KindDateTime && t.HasZone {
		if t.ZoneMin == 0 {
			s += "Z"
		} else {
			m := t.ZoneMin
			sign := "+"
			if m < 0 {
				sign, m = "-", -m
			}
			s += fmt.Sprintf("%s%02d:%02d", sign, m/60, m%60)
		}
	}
	return s
}

// fields returns the value's components normalised to UTC where a zone is
// known (a value without a zone is taken as UTC, the server's zone).
func (t Temporal) fields() [7]int {
	if t.Kind == KindDateTime && t.HasZone && t.Prec >= PrecHour {
		tm := time.Date(t.Year, time.Month(t.Month), t.Day, t.Hour, t.Minute, t.Second, t.Nanos, time.FixedZone("", t.ZoneMin*60)).UTC()
		return [7]int{tm.Year(), int(tm.Month()), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond()}
	}
	return [7]int{t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.Nanos}
}

// compareTemporal compares field by field down to the coarser precision;
// ok is false when the values agree that far but their precisions differ,
// which FHIRPath calls unknown. Seconds and milliseconds count as one
// precision, as the spec says.
func compareTemporal(a, b Temporal) (cmp int, ok bool) {
	if a.Kind == KindTime && b.Kind != KindTime || a.Kind != KindTime && b.Kind == KindTime {
		return 0, false
	}
	fa, fb := a.fields(), b.fields()
	start := 0
	pa, pb := a.Prec, b.Prec
	if a.Kind == KindTime {
		start = 3 // a Time's fields begin at the hour
	}
	if pa == PrecMillisecond {
		pa = PrecSecond
	}
	if pb == PrecMillisecond {
		pb = PrecSecond
	}
	last := int(min(pa, pb)) - 1 // index of the last shared field
	for i := start; i <= last; i++ {
		va, vb := fa[i], fb[i]
		if i == 5 { // seconds compare with their fraction
			va, vb = va*1e9+fa[6], vb*1e9+fb[6]
		}
		if va != vb {
			if va < vb {
				return -1, true
			}
			return 1, true
		}
	}
	if pa != pb {
		return 0, false
	}
	return 0, true
}
