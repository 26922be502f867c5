package follow

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the follower's Prometheus metrics. The aggregator registers
// them on its own registry (no package-level state), served at /metrics.
type Metrics struct {
	lag        *prometheus.GaugeVec
	lastSync   *prometheus.GaugeVec
	applied    *prometheus.CounterVec
	outcomes   *prometheus.CounterVec
	pollErrors *prometheus.CounterVec
	reports    *prometheus.CounterVec
	delay      prometheus.Histogram
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aggregator_source_lag_seconds",
			Help: "Age of the oldest change of the source not yet applied; 0 at the head of its feed.",
		}, []string{"source"}),
		lastSync: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aggregator_source_last_sync_timestamp_seconds",
			Help: "When the follower last reached the head of the source's feed (Unix time); every change the source committed before it is applied.",
		}, []string{"source"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aggregator_changes_applied_total",
			Help: "Changes of the source's feed applied to the aggregated store.",
		}, []string{"source"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aggregator_outcomes_total",
			Help: "Outcomes decided, by source, status (accepted, excluded, pending) and rule (excluded only).",
		}, []string{"source", "status", "rule"}),
		pollErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aggregator_poll_errors_total",
			Help: "Failed change-feed polls by source and kind: unavailable, unauthorized, forbidden, cursor_rejected, protocol, apply, other.",
		}, []string{"source", "kind"}),
		reports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aggregator_outcome_reports_total",
			Help: "Outcomes reported to the source's $aggregation-outcome, by result: accepted (acknowledged), refused (the source said 400; dropped and logged), failed (retried later).",
		}, []string{"source", "result"}),
		delay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "aggregator_apply_delay_seconds",
			Help: "Time from a change's commit at its source to its commit in the aggregated store.",
			// From 1ms to about 17 minutes: a live feed is in the
			// milliseconds, a backlog drains in minutes.
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 21),
		}),
	}
	reg.MustRegister(m.lag, m.lastSync, m.applied, m.outcomes, m.pollErrors, m.reports, m.delay)
	return m
}

// The methods below accept a nil *Metrics, so a follower without metrics
// needs no checks at every call.

func (m *Metrics) setLag(src string, lag time.Duration) {
	if m != nil {
		m.lag.WithLabelValues(src).Set(lag.Seconds())
	}
}

func (m *Metrics) setLastSync(src string, t time.Time) {
	if m != nil {
		m.lastSync.WithLabelValues(src).Set(float64(t.UnixNano()) / 1e9)
	}
}

func (m *Metrics) observeApplied(src string, a Applied, n int, delays []time.Duration) {
	if m == nil {
		return
	}
	m.applied.WithLabelValues(src).Add(float64(n))
	for _, o := range a.Outcomes {
		m.outcomes.WithLabelValues(o.Source, o.Status, o.Rule).Inc()
	}
	for _, d := range delays {
		m.delay.Observe(d.Seconds())
	}
}

func (m *Metrics) pollError(src, kind string) {
	if m != nil {
		m.pollErrors.WithLabelValues(src, kind).Inc()
	}
}

func (m *Metrics) reported(src, result string, n int) {
	if m != nil {
		m.reports.WithLabelValues(src, result).Add(float64(n))
	}
}

// forget drops the gauges of a source no longer followed, so a stale
// gauge does not alert; counters stay, as counters do.
func (m *Metrics) forget(src string) {
	if m != nil {
		m.lag.DeleteLabelValues(src)
		m.lastSync.DeleteLabelValues(src)
	}
}
