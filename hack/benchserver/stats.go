package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/test/loadgen"
)

// sample is one run of one workload: what the load generator measured and
// the server's CPU time over the run.
type sample struct {
	loadgen.Result
	cpu time.Duration
	// perRequest is how many units (resources) one request carries: 1, or
	// 11 for a transaction of 1 Patient and 10 Observations.
	perRequest float64
	// ceiling is the trivial handler's rate in the same repetition.
	ceiling float64
}

// rate is the units per second of the run: requests, or resources for a
// transaction.
func (s sample) rate() float64 { return s.PerSecond * s.perRequest }

// share is the run's rate over the ceiling measured just before it, in %.
// Pairing each run with its own ceiling, run right before it, takes out
// the drift of a shared machine between repetitions and between the
// workloads of one (a single ceiling per repetition was half a minute
// older than the last workload's run).
func (s sample) share() float64 {
	if s.ceiling <= 0 {
		return 0
	}
	return 100 * s.rate() / s.ceiling
}

// cpuPerRequest is the server's CPU time per answered request.
func (s sample) cpuPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.Requests)
}

type number interface{ ~int64 | ~float64 }

// median of xs (the mean of the middle two for an even count); 0 for none.
func median[T number](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// each maps the samples to one figure.
func each[T any](ss []sample, f func(sample) T) []T {
	out := make([]T, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// target is what a workload must reach: a share of the ceiling and, when
// set, a bound on p99.
type target struct {
	share float64       // %
	p99   time.Duration // 0: none
}

func (t target) String() string {
	s := fmt.Sprintf("≥ %s %%", strconv.FormatFloat(t.share, 'f', -1, 64))
	if t.p99 > 0 {
		s += ", p99 ≤ " + msPrec(t.p99, -1)
	}
	return s
}

// met tells whether the medians reach the target.
func (t target) met(share float64, p99 time.Duration) bool {
	return share >= t.share && (t.p99 == 0 || p99 <= t.p99)
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "missed"
}

// thousands writes f rounded to a whole number with comma separators.
func thousands(f float64) string {
	s := strconv.FormatInt(int64(f+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ms writes a latency in ms to a tenth (7.4 ms), or in whole µs below 1 ms.
func ms(d time.Duration) string { return msPrec(d, 1) }

// msPrec is ms with prec decimals (-1: as many as it has, to 10 µs).
func msPrec(d time.Duration, prec int) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%d µs", d.Microseconds())
	}
	if prec < 0 {
		d = d.Round(10 * time.Microsecond) // no tail of float noise
	}
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', prec, 64) + " ms"
}

// row is one table row: the median of each figure over the runs, each run's
// share, the target and whether it is met.
func row(name string, clients int, unit string, ss []sample, t *target) string {
	rate := median(each(ss, sample.rate))
	p50 := median(each(ss, func(s sample) time.Duration { return s.P50 }))
	p99 := median(each(ss, func(s sample) time.Duration { return s.P99 }))
	cpu := median(each(ss, sample.cpuPerRequest))
	var errs int64
	for _, s := range ss {
		errs += s.Errors
	}
	rateCell := thousands(rate) + " " + unit + "/s"
	if ss[0].perRequest != 1 {
		rateCell = fmt.Sprintf("%s %s/s (%s requests/s)", thousands(rate), unit, thousands(median(each(ss, func(s sample) float64 { return s.PerSecond }))))
	}
	if errs > 0 {
		rateCell += fmt.Sprintf(", %d errors", errs)
	}
	shares := each(ss, func(s sample) string { return fmt.Sprintf("%.1f", s.share()) })
	shareCell := fmt.Sprintf("%.1f %% (%s)", median(each(ss, sample.share)), strings.Join(shares, ", "))
	targetCell, metCell := "(reference)", ""
	if t != nil {
		targetCell, metCell = t.String(), verdict(t.met(median(each(ss, sample.share)), p99))
	} else {
		shareCell = "100 %"
	}
	return fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s | %s | %s |", name, clients, rateCell, ms(p50), ms(p99),
		msPrec(cpu, 2), shareCell, targetCell, metCell)
}
