package server

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one FHIR server. Each server has its
// own registry (no package-level state), served at /metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// series are the counter and histogram of each (interaction, type,
	// status) seen, so a request does not look its labels up again: a map
	// replaced whole when a new one appears (seriesMu), read without a lock.
	// Its keys are as bounded as the labels (the handler names known types
	// only), a few hundred at most, so copying it for a new one is cheap.
	series   atomic.Pointer[map[seriesKey]series]
	seriesMu sync.Mutex
}

type seriesKey struct {
	interaction, resourceType string
	status                    int
}

type series struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// StoreStats are read at scrape time, so they cost nothing between scrapes.
type StoreStats struct {
	// SizeBytes is the store's size on disk.
	SizeBytes func() float64
	// FeedSequence is the change feed's newest durable sequence number.
	FeedSequence func() float64
	// Writable is 1 while writes can succeed, 0 while the disk is full or
	// the store failed.
	Writable func() float64
	// DiskFullEvents counts the times the store's disk was found full;
	// SyncFailures the failed WAL fsyncs (0 or 1: the store then stops).
	DiskFullEvents, SyncFailures func() float64
}

// NewMetrics registers the server's metrics, the Go runtime's and the
// process's.
func NewMetrics(stats StoreStats) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fhir_requests_total",
		Help: "FHIR requests by interaction, resource type and HTTP status code.",
	}, []string{"interaction", "resource_type", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fhir_request_duration_seconds",
		Help: "Time to answer a FHIR request, by interaction and resource type.",
		// From 100µs (a cached read) to 10s (a large transaction).
		Buckets: prometheus.ExponentialBucketsRange(0.0001, 10, 16),
	}, []string{"interaction", "resource_type"})
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if stats.SizeBytes != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fhir_store_size_bytes",
			Help: "Size of the Pebble store on disk.",
		}, stats.SizeBytes))
	}
	if stats.Writable != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fhir_store_writable",
			Help: "1 while writes can succeed; 0 while the disk is full (writes resume when space is freed) or after the store failed (the process exits 70).",
		}, stats.Writable))
	}
	for reason, f := range map[string]func() float64{"disk_full": stats.DiskFullEvents, "wal_sync_failed": stats.SyncFailures} {
		if f != nil {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "fhir_store_unwritable_total",
				Help:        "Times the store stopped accepting writes, by reason.",
				ConstLabels: prometheus.Labels{"reason": reason},
			}, f))
		}
	}
	if stats.FeedSequence != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fhir_change_feed_sequence",
			Help: "Sequence number of the newest durable change in the change feed.",
		}, stats.FeedSequence))
	}
	return m
}

// ObserveInteraction records one answered FHIR request. resourceType is ""
// for system-level interactions.
func (m *Metrics) ObserveInteraction(interaction, resourceType string, status int, d time.Duration) {
	k := seriesKey{interaction, resourceType, status}
	s, ok := series{}, false
	if all := m.series.Load(); all != nil {
		s, ok = (*all)[k]
	}
	if !ok {
		s = m.newSeries(k)
	}
	s.requests.Inc()
	s.latency.Observe(d.Seconds())
}

// newSeries looks k's counter and histogram up once and adds them to
// m.series.
func (m *Metrics) newSeries(k seriesKey) series {
	m.seriesMu.Lock()
	defer m.seriesMu.Unlock()
	old := m.series.Load()
	if old != nil {
		if s, ok := (*old)[k]; ok {
			return s
		}
	}
	s := series{
		requests: m.requests.WithLabelValues(k.interaction, k.resourceType, strconv.Itoa(k.status)),
		latency:  m.latency.WithLabelValues(k.interaction, k.resourceType),
	}
	all := map[seriesKey]series{}
	if old != nil {
		all = maps.Clone(*old)
	}
	all[k] = s
	m.series.Store(&all)
	return s
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry exposes the registry, for tests and for extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }
