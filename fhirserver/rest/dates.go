package rest

import (
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// dateLayouts are FHIR's date, dateTime and instant forms, most precise
// first, each with the period its precision implies.
var dateLayouts = []struct {
	layout string
	span   func(time.Time) time.Time
}{
	{"2006-01-02T15:04:05.999999999Z07:00", func(t time.Time) time.Time { return t.Add(time.Microsecond) }},
	{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
	{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
	{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
}

// parseDatePeriod reads a FHIR date/dateTime/instant as the half-open period
// its precision covers: "2024" is the whole year. Dates without a zone are
// read as UTC (the spec leaves the zone to the server).
func parseDatePeriod(param, s string) (time.Time, time.Time, error) {
	s = strings.TrimSpace(s)
	// A '+' in a query string arrives as a space when the client did not
	// escape it; put it back so "+01:00" zones work.
	s = strings.Replace(s, " ", "+", 1)
	for _, l := range dateLayouts {
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		if strings.Contains(l.layout, ".999") && !strings.Contains(s, ".") {
			continue // without a fraction the seconds layout below applies
		}
		return t.UTC(), l.span(t).UTC(), nil
	}
	return time.Time{}, time.Time{}, outcome.BadRequest(outcome.CodeValue, "",
		"%s %q is not a FHIR date, dateTime or instant", param, s)
}
