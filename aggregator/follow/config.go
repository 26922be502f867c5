package follow

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// Config configures a Follower. Pipeline is required; the zero value of
// everything else is usable.
type Config struct {
	Pipeline Pipeline
	// Status receives each source's State; nil: published nowhere (static
	// mode: logs and metrics only).
	Status source.StatusSink
	// Metrics, when not nil, are updated (NewMetrics).
	Metrics *Metrics
	// MaxConcurrent is how many sources apply a page at once (default 8).
	MaxConcurrent int
	// ForgetDeleted makes a source that disappears lose its contributions
	// (Pipeline.Forget); by default its aggregated data stays.
	ForgetDeleted bool
	// HTTPClient calls the sources; nil: a client of its own. It must have
	// no Timeout shorter than Wait plus a poll's grace.
	HTTPClient *http.Client
	Logger     *slog.Logger

	// PageSize is how many changes one poll asks for (default 100). A
	// page is applied in one pipeline commit, which other sources' pages
	// wait for, so a source draining a backlog in large pages holds up
	// the live ones: with a 20,000-change backlog beside a source written
	// 20 times a second, the live source's p99 lag was 1.6 s with pages of
	// 1,000, 0.6 s with 250 and 0.14 s with 100, and the backlog drained
	// no slower (BenchmarkAggregatorBacklog).
	PageSize int
	// Wait is how long a poll at the head of a feed waits for a change
	// (default 25s, under the usual 30s idle timeouts of proxies).
	Wait time.Duration
	// PublishInterval is how often a changed State is published at most
	// (default 5s); a change of Healthy or Reason is published at once.
	PublishInterval time.Duration
	// ReportInterval is how often a reporter with nothing to send looks
	// for outcomes again (default 5s); an Apply that decided outcomes
	// wakes it sooner.
	ReportInterval time.Duration
	// ReportBurst reports of a source go at once (default 4); beyond
	// them, a source gets one report every ReportGap (default 250ms), and
	// the outcomes decided meanwhile go together in the next. Without a
	// cap every page applied woke a report — a POST the source stores
	// durably and an acknowledgement the aggregator commits — so a source
	// written 100 times a second cost about 60 of each per second instead
	// of 4, on the cores the live changes need (BenchmarkAggregatorLag).
	ReportBurst int
	ReportGap   time.Duration
	// Backoff bounds the waits after failures (default DefaultBackoff).
	Backoff Backoff
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// maxReport is the most outcomes one report carries (the endpoint's limit).
const maxReport = 10_000

func (c *Config) defaults() error {
	if c.Pipeline == nil {
		return errors.New("follow: Config.Pipeline is required")
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 8
	}
	if c.HTTPClient == nil {
		// Each source keeps its connection between long polls: the default
		// transport keeps at most 100 idle connections in all, so with
		// more sources every poll would open a connection and close
		// another, waking idle servers for nothing.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 0
		c.HTTPClient = &http.Client{Transport: t}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PageSize <= 0 {
		c.PageSize = 100
	}
	if c.Wait <= 0 {
		c.Wait = 25 * time.Second
	}
	if c.PublishInterval <= 0 {
		c.PublishInterval = 5 * time.Second
	}
	if c.ReportInterval <= 0 {
		c.ReportInterval = 5 * time.Second
	}
	if c.ReportBurst <= 0 {
		c.ReportBurst = 4
	}
	if c.ReportGap <= 0 {
		c.ReportGap = 250 * time.Millisecond
	}
	if c.Backoff.Min <= 0 || c.Backoff.Max < c.Backoff.Min {
		c.Backoff = DefaultBackoff
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}
