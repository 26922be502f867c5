package fhirpath

import "testing"

// TestParseTemporal covers the FHIR date, dateTime, instant and time forms,
// their precisions, and rejection of impossible values.
func TestParseTemporal(t *testing.T) {
	tests := []struct {
		kind TemporalKind
		in   string
		prec Precision
		ok   bool
	}{
		{KindDate, "2014", PrecYear, true},
		{KindDate, "2014-02", PrecMonth, true},
		{KindDate, "2016-02-29", PrecDay, true},
		{KindDate, "2015-02-29", 0, false},
		{KindDate, "2014-13", 0, false},
		{KindDate, "2014-01-01T10:00", 0, false},
		{KindDateTime, "2014-01-01", PrecDay, true},
		{KindDateTime, "2014-01-01T", PrecDay, true},
		{KindDateTime, "2014-01-01T10", PrecHour, true},
		{KindDateTime, "2014-01-01T10:30", PrecMinute, true},
		{KindDateTime, "2014-01-01T10:30:15Z", PrecSecond, true},
		{KindDateTime, "2014-01-01T10:30:15.1234+05:30", PrecMillisecond, true},
		{KindDateTime, "2014-01-01T25:00:00Z", 0, false},
		{KindDateTime, "2014-01-01T10:00:00+0530", 0, false},
		{KindDateTime, "2014-01-01 10:00", 0, false},
		{KindTime, "10", PrecHour, true},
		{KindTime, "T10:30", PrecMinute, true},
		{KindTime, "10:30:00.5", PrecMillisecond, true},
		{KindTime, "10:61", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.kind.String()+" "+tc.in, func(t *testing.T) {
			got, err := ParseTemporal(tc.kind, tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ok=%v, err=%v", tc.ok, err)
			}
			if tc.ok && got.Prec != tc.prec {
				t.Errorf("precision %d, want %d", got.Prec, tc.prec)
			}
		})
	}
}

// TestCompareTemporal checks ordering across zones and the unknown result
// when precisions differ but the shared part is equal.
func TestCompareTemporal(t *testing.T) {
	p := func(k TemporalKind, s string) Temporal {
		v, err := ParseTemporal(k, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		a, b  Temporal
		cmp   int
		known bool
	}{
		{p(KindDate, "2012"), p(KindDate, "2013-05"), -1, true},
		{p(KindDate, "2012-05"), p(KindDate, "2012-05-01"), 0, false},
		{p(KindDateTime, "2012-01-01T10:00:00+02:00"), p(KindDateTime, "2012-01-01T08:00:00Z"), 0, true},
		{p(KindDateTime, "2012-01-01T10:00:00.500Z"), p(KindDateTime, "2012-01-01T10:00:00Z"), 1, true},
		{p(KindDateTime, "2012-01-01T10:00:00.000Z"), p(KindDateTime, "2012-01-01T10:00:00Z"), 0, true},
		{p(KindDate, "2012-01-02"), p(KindDateTime, "2012-01-01T23:00:00Z"), 1, true},
		{p(KindTime, "10:00"), p(KindTime, "09:59:59"), 1, true},
		{p(KindTime, "10:00"), p(KindDate, "2012"), 0, false},
	}
	for i, tc := range tests {
		cmp, known := compareTemporal(tc.a, tc.b)
		if cmp != tc.cmp || known != tc.known {
			t.Errorf("%d: %s vs %s: got %d,%v want %d,%v", i, tc.a, tc.b, cmp, known, tc.cmp, tc.known)
		}
	}
	if s := (Temporal{Kind: KindDateTime, Prec: PrecMillisecond, Year: 2020, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5, Nanos: 6e6, HasZone: true, ZoneMin: -330}).String(); s != "2020-01-02T03:04:05.006-05:30" {
		t.Errorf("format: %s", s)
	}
}
