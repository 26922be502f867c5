package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/test/loadgen"
)

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{10, 1, 4, 2}, 3},
		{[]float64{5, 5, 100}, 5},
	} {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	in := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}
	if got := median(in); got != 2*time.Millisecond {
		t.Errorf("median of durations = %v", got)
	}
	if in[0] != 3*time.Millisecond {
		t.Error("median sorted its argument")
	}
}

func TestSampleShareAndCPU(t *testing.T) {
	s := sample{Result: loadgen.Result{Requests: 1000, PerSecond: 200}, cpu: 500 * time.Millisecond, perRequest: 11, ceiling: 44000}
	if got := s.rate(); got != 2200 {
		t.Errorf("rate %v, want 2200 resources/s", got)
	}
	if got := s.share(); got != 5 {
		t.Errorf("share %v %%, want 5", got)
	}
	if got := s.cpuPerRequest(); got != 500*time.Microsecond {
		t.Errorf("CPU per request %v, want 500µs", got)
	}
	if (sample{}).share() != 0 || (sample{}).cpuPerRequest() != 0 {
		t.Error("an empty sample must give zeros, not divide by zero")
	}
}

func TestTargetMet(t *testing.T) {
	tg := target{share: 20, p99: 20 * time.Millisecond}
	for _, tt := range []struct {
		share float64
		p99   time.Duration
		want  bool
	}{
		{20, 20 * time.Millisecond, true},
		{35, time.Millisecond, true},
		{19.9, time.Millisecond, false},
		{50, 21 * time.Millisecond, false},
	} {
		if got := tg.met(tt.share, tt.p99); got != tt.want {
			t.Errorf("met(%v, %v) = %v, want %v", tt.share, tt.p99, got, tt.want)
		}
	}
	if !(target{share: 20}).met(20, time.Hour) {
		t.Error("a target without p99 bound must ignore p99")
	}
	if got := tg.String(); got != "≥ 20 %, p99 ≤ 20 ms" {
		t.Errorf("target %q", got)
	}
	if got := (target{share: 7.5}).String(); got != "≥ 7.5 %" {
		t.Errorf("target %q", got)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.4: "999", 999.6: "1,000", 56600: "56,600", 1234567: "1,234,567"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestMs(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		prec int
		want string
	}{
		{564 * time.Microsecond, 1, "564 µs"},
		{7449 * time.Microsecond, 1, "7.4 ms"},
		{6751 * time.Microsecond, 2, "6.75 ms"},
		{20 * time.Millisecond, -1, "20 ms"},
		{2500 * time.Microsecond, -1, "2.5 ms"},
	} {
		if got := msPrec(tt.d, tt.prec); got != tt.want {
			t.Errorf("msPrec(%v, %d) = %q, want %q", tt.d, tt.prec, got, tt.want)
		}
	}
}

func TestRow(t *testing.T) {
	mk := func(perSec float64, p99 time.Duration, ceiling float64) sample {
		return sample{Result: loadgen.Result{Requests: 100, PerSecond: perSec, P50: time.Millisecond, P99: p99},
			cpu: 50 * time.Millisecond, perRequest: 1, ceiling: ceiling}
	}
	// Shares 10 %, 30 %, 20 %: the median is 20 %; p99s 5, 30, 10 ms: 10 ms.
	ss := []sample{mk(1000, 5*time.Millisecond, 10000), mk(3000, 30*time.Millisecond, 10000), mk(2000, 10*time.Millisecond, 10000)}
	got := row("POST Patient", 64, "requests", ss, &target{share: 20, p99: 20 * time.Millisecond})
	want := "| POST Patient | 64 | 2,000 requests/s | 1.0 ms | 10.0 ms | 500 µs | 20.0 % (10.0, 30.0, 20.0) | ≥ 20 %, p99 ≤ 20 ms | **met** |"
	if got != want {
		t.Errorf("row:\n got %s\nwant %s", got, want)
	}
	ss[1].Errors = 2
	if got := row("GET", 64, "requests", ss, &target{share: 75}); !strings.Contains(got, "2 errors") || !strings.HasSuffix(got, "| missed |") {
		t.Errorf("row with errors, missed: %s", got)
	}
	if got := row("ceiling", 64, "requests", ss, nil); !strings.Contains(got, "| 100 % | (reference) |") {
		t.Errorf("ceiling row: %s", got)
	}
}
