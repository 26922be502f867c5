package rest

import (
	"testing"
	"time"
)

func TestParseDatePeriod(t *testing.T) {
	u := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	tests := []struct {
		in         string
		start, end time.Time
		bad        bool
	}{
		{in: "2024", start: u("2024-01-01T00:00:00Z"), end: u("2025-01-01T00:00:00Z")},
		{in: "2024-02", start: u("2024-02-01T00:00:00Z"), end: u("2024-03-01T00:00:00Z")},
		{in: "2024-02-28", start: u("2024-02-28T00:00:00Z"), end: u("2024-02-29T00:00:00Z")},
		{in: "2024-02-28T10:00:00Z", start: u("2024-02-28T10:00:00Z"), end: u("2024-02-28T10:00:01Z")},
		{in: "2024-02-28T10:00:00 01:00", start: u("2024-02-28T09:00:00Z"), end: u("2024-02-28T09:00:01Z")},
		{in: "2024-02-28T10:00:00.5Z", start: u("2024-02-28T10:00:00.5Z"), end: u("2024-02-28T10:00:00.500001Z")},
		{in: "yesterday", bad: true},
		{in: "2024-13", bad: true},
	}
	for _, tt := range tests {
		s, e, err := parseDatePeriod("_since", tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("%q: err %v", tt.in, err)
			continue
		}
		if !tt.bad && (!s.Equal(tt.start) || !e.Equal(tt.end)) {
			t.Errorf("%q: [%v, %v), want [%v, %v)", tt.in, s, e, tt.start, tt.end)
		}
	}
}
