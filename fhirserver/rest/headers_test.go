package rest

import (
	"net/http"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestParsePrefer(t *testing.T) {
	tests := []struct {
		values []string
		want   preferences
	}{
		{nil, preferences{}},
		{[]string{"return=minimal"}, preferences{Return: returnMinimal}},
		{[]string{"return=OperationOutcome"}, preferences{Return: returnOutcome}},
		{[]string{`return="representation"`}, preferences{Return: returnRepresentation}},
		{[]string{"handling=strict, return=minimal"}, preferences{Return: returnMinimal, Strict: true}},
		{[]string{"respond-async", "handling=lenient"}, preferences{}},
		{[]string{"wait=10; return=minimal"}, preferences{Return: returnMinimal}},
	}
	for _, tt := range tests {
		h := http.Header{}
		for _, v := range tt.values {
			h.Add("Prefer", v)
		}
		if got := parsePrefer(h); got != tt.want {
			t.Errorf("parsePrefer(%q) = %+v, want %+v", tt.values, got, tt.want)
		}
	}
}

func TestETags(t *testing.T) {
	for _, tt := range []struct{ in, want string }{{`W/"3"`, "3"}, {`"3"`, "3"}, {"3", "3"}, {` w/"12" `, "12"}} {
		in, want := tt.in, tt.want
		if got, ok := parseETag(in); !ok || got != want {
			t.Errorf("parseETag(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := parseETag(`W/""`); ok {
		t.Error("empty etag accepted")
	}
	if !matchesAnyETag(`W/"1", W/"2"`, "2") || matchesAnyETag(`W/"1"`, "2") || !matchesAnyETag("*", "9") {
		t.Error("matchesAnyETag wrong")
	}
	if etag("7") != `W/"7"` {
		t.Error("etag format")
	}
}

func TestNotModifiedSince(t *testing.T) {
	lu := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	tests := []struct {
		ims  string
		want bool
	}{
		{"", false},
		{"garbage", false},
		{httpDate(lu), true},
		{httpDate(lu.Add(time.Hour)), true},
		{httpDate(lu.Add(-time.Second)), false},
	}
	for _, tt := range tests {
		if got := notModifiedSince(tt.ims, lu); got != tt.want {
			t.Errorf("notModifiedSince(%q) = %v, want %v", tt.ims, got, tt.want)
		}
	}
}

// TestHTTPDate: the hand-written IMF-fixdate is what time.Format writes,
// over every month and weekday, both ends of each two-digit field, any
// zone, and the years Format must handle itself.
func TestHTTPDate(t *testing.T) {
	zone := time.FixedZone("east", 5*3600+30*60)
	times := []time.Time{
		time.Date(2026, 12, 3, 21, 4, 5, 999, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2027, 1, 1, 3, 0, 0, 0, zone), // the day before in GMT
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(5, 3, 1, 9, 7, 3, 0, time.UTC),
		time.Date(-1, 3, 1, 9, 7, 3, 0, time.UTC),
	}
	for m := range 12 {
		for d := range 7 {
			times = append(times, time.Date(2024, time.Month(m+1), 10+d, d, m*5, d*9, 0, time.UTC))
		}
	}
	for _, tm := range times {
		if got, want := httpDate(tm), tm.UTC().Format(http.TimeFormat); got != want {
			t.Errorf("httpDate(%v) = %q, want %q", tm, got, want)
		}
	}
}

func BenchmarkHTTPDate(b *testing.B) {
	tm := time.Date(2026, 12, 3, 21, 4, 5, 999, time.UTC)
	b.Run("Format", func(b *testing.B) {
		for b.Loop() {
			_ = tm.UTC().Format(http.TimeFormat)
		}
	})
	b.Run("httpDate", func(b *testing.B) {
		for b.Loop() {
			_ = httpDate(tm)
		}
	})
}

// httpDate is appendHTTPDate's string.
func httpDate(t time.Time) string { return string(appendHTTPDate(nil, t)) }

// TestVersionHeaders: the two values share one slice, yet each header
// reads and grows as if it had its own.
func TestVersionHeaders(t *testing.T) {
	lu := time.Date(2026, 12, 4, 9, 8, 7, 0, time.FixedZone("x", 3600))
	hdr := http.Header{}
	versionHeaders(hdr, &storage.Record{VersionID: 12, LastUpdated: lu})
	if got := hdr.Get("ETag"); got != `W/"12"` {
		t.Errorf("ETag %q", got)
	}
	if got := hdr.Get("Last-Modified"); got != "Fri, 04 Dec 2026 08:08:07 GMT" {
		t.Errorf("Last-Modified %q", got)
	}
	hdr.Add("ETag", "more")
	if got := hdr.Values("Last-Modified"); len(got) != 1 || got[0] != "Fri, 04 Dec 2026 08:08:07 GMT" {
		t.Errorf("adding to ETag changed Last-Modified: %q", got)
	}
}
