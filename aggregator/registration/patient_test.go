package registration

import (
	"testing"
	"time"
)

// TestAdultAt: 16 on the birthday; partial dates count from their last
// possible day.
func TestAdultAt(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		birth string
		adult bool
	}{
		{"2010-06-01", true}, {"2010-06-02", false}, {"2010-05", true}, {"2010-06", false},
		{"2009", true}, {"2010", false}, {"1950-01-01", true},
	} {
		got, ok := adultAt(tc.birth, now)
		if !ok || got != tc.adult {
			t.Errorf("%s: %v %v, want %v", tc.birth, got, ok, tc.adult)
		}
	}
	if _, ok := adultAt("June 2010", now); ok {
		t.Error("a date not in FHIR form was accepted")
	}
}
