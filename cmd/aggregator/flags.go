package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/aggregator/endpoint"
	"github.com/fhirfleet/fhirfleet/aggregator/registration"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/internal/bytesize"
	"github.com/fhirfleet/fhirfleet/internal/envflag"
	"github.com/fhirfleet/fhirfleet/internal/profiling"
)

// envPrefix is the prefix of the environment variables that stand in for
// flags: --data-dir is also read from AGGREGATOR_DATA_DIR.
const envPrefix = "AGGREGATOR_"

// defaultCacheBytes is the aggregated store's block cache. One store holds
// every source's resources and the pipeline reads its state for each change:
// with a fhirserver's 8 MiB, reading filter and index blocks from the files
// again was 12 % of the aggregator's CPU under BenchmarkAggregatorLag, with
// 64 MiB under 1 %.
const defaultCacheBytes = 64 << 20

// config is everything the aggregator binary is told at start.
type config struct {
	DataDir       string
	Listen        string
	MetricsListen string
	// PprofListen is the loopback address of Go's profiles; empty: none.
	PprofListen     string
	BaseURL         string
	LogFormat       string
	ShutdownTimeout time.Duration

	// Where the sources come from: static (--source) or Kubernetes.
	Sources              []source.Static
	Kubeconfig           string
	Namespaces           []string
	SourceAddress        string
	ForgetDeleted        bool
	MaxConcurrentSources int
	PollWait             time.Duration
	// CacheBytes is the Pebble block cache of the aggregated store.
	CacheBytes int64

	// Endpoint is the aggregated endpoint's configuration (its flags are
	// registered by package endpoint); Store, BaseURL, DataDir and Logger
	// are set when it is mounted.
	Endpoint *endpoint.Config

	// JoinBaseURL and InvitationTTL are mass registration's (issue 14):
	// the join URL invitations point at (default <base-url>/join) and how
	// long an invitation lasts.
	JoinBaseURL   string
	InvitationTTL time.Duration
	// SMTPURL is where $process-message's invitation mails go.
	SMTPURL string
}

// parseFlags reads the configuration from args, then fills every flag not
// on the command line from its AGGREGATOR_<FLAG> environment variable.
func parseFlags(name string, args []string, getenv func(string) string) (config, error) {
	var c config
	var sources []string
	var namespaces string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.DataDir, "data-dir", "./data", "folder of the aggregator's Pebble store (R4)")
	fs.StringVar(&c.Listen, "listen", ":8080", "address of the aggregated FHIR API (<base-url>/fhir), its token endpoint and the probes")
	fs.StringVar(&c.MetricsListen, "metrics-listen", ":9090", "address of /metrics, /healthz and /readyz; empty (--metrics-listen=): no metrics listener")
	fs.StringVar(&c.PprofListen, "pprof-listen", "", "loopback address of Go's profiles (/debug/pprof/), for measuring the aggregator; empty (the default): not served")
	fs.StringVar(&c.BaseURL, "base-url", "http://localhost:8080", "public origin; the aggregated FHIR base is <base-url>/fhir")
	fs.Func("source", "a source to follow without Kubernetes: name=<n>,customer=<c>,url=<origin>,credentials-dir=<dir> (repeatable; several in one value separated by ';', as AGGREGATOR_SOURCE takes them)", func(v string) error {
		for one := range strings.SplitSeq(v, ";") {
			if one = strings.TrimSpace(one); one != "" {
				sources = append(sources, one)
			}
		}
		return nil
	})
	fs.StringVar(&c.Kubeconfig, "kubeconfig", "", "kubeconfig of the cluster whose FhirEndpoints are followed; empty: in-cluster")
	fs.StringVar(&namespaces, "namespace", "", "comma-separated namespaces whose FhirEndpoints are followed; empty: all")
	fs.StringVar(&c.SourceAddress, "source-address", "service", "how a FhirEndpoint is reached: service (its Service, in the cluster) or public (its status.url, from outside)")
	fs.BoolVar(&c.ForgetDeleted, "forget-deleted", false, "remove the aggregated data of a source that is deleted; by default it stays")
	fs.IntVar(&c.MaxConcurrentSources, "max-concurrent-sources", 8, "how many sources apply a page of changes at once (waiting on a source takes no slot)")
	fs.DurationVar(&c.PollWait, "poll-wait", 25*time.Second, "how long a poll at the head of a source's change feed waits for a change (at most 60s, the fhirserver's limit); keep it under the idle timeout of any proxy between the aggregator and the sources")
	c.CacheBytes = defaultCacheBytes
	fs.Var(bytesize.Flag(&c.CacheBytes), "cache-size", "Pebble block cache of the aggregated store: bytes, or with a unit (64MiB); filled only as blocks are read")
	c.Endpoint = endpoint.RegisterFlags(fs)
	fs.StringVar(&c.JoinBaseURL, "join-base-url", "", "the join URL invitation tokens are sent with (<join-base-url>?t1=<code>&t2=<token>&e=<email>); the aggregator serves it at /join; empty: <base-url>/join")
	fs.StringVar(&c.SMTPURL, "smtp-url", "", "SMTP server for $process-message's invitation mails, smtp://[sender%40domain@]host:port; empty: no mail is sent")
	fs.DurationVar(&c.InvitationTTL, "invitation-ttl", registration.DefaultInvitationTTL, "how long an invitation token of $generate-invitation-tokens can be redeemed")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 25*time.Second, "how long SIGTERM waits for in-flight requests")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := envflag.Apply(fs, envPrefix, getenv); err != nil {
		return c, err
	}
	for ns := range strings.SplitSeq(namespaces, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			c.Namespaces = append(c.Namespaces, ns)
		}
	}
	var err error
	if c.Sources, err = source.ParseStatics(sources); err != nil {
		return c, err
	}
	return c, c.validate()
}

func (c *config) validate() error {
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("--base-url %q: want an http:// or https:// origin", c.BaseURL)
	}
	if c.SourceAddress != "service" && c.SourceAddress != "public" {
		return fmt.Errorf("--source-address %q: want service or public", c.SourceAddress)
	}
	if c.MaxConcurrentSources < 1 {
		return fmt.Errorf("--max-concurrent-sources %d: want at least 1", c.MaxConcurrentSources)
	}
	if c.PollWait < time.Second || c.PollWait > 60*time.Second {
		return fmt.Errorf("--poll-wait %s: want 1s to 60s", c.PollWait)
	}
	if c.PprofListen != "" {
		if err := profiling.CheckLoopback(c.PprofListen); err != nil {
			return err
		}
	}
	if c.CacheBytes < 1<<20 {
		return fmt.Errorf("--cache-size %d: want at least 1MiB", c.CacheBytes)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("--shutdown-timeout %s: must be positive", c.ShutdownTimeout)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("--log-format %q: want json or text", c.LogFormat)
	}
	if c.InvitationTTL <= 0 {
		return fmt.Errorf("--invitation-ttl %s: must be positive", c.InvitationTTL)
	}
	if c.JoinBaseURL != "" && !strings.HasPrefix(c.JoinBaseURL, "http://") && !strings.HasPrefix(c.JoinBaseURL, "https://") {
		return fmt.Errorf("--join-base-url %q: want an http:// or https:// URL", c.JoinBaseURL)
	}
	c.JoinBaseURL = strings.TrimRight(c.JoinBaseURL, "/")
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || u.Scheme != "smtp" || u.Host == "" {
			return fmt.Errorf("--smtp-url %q: want smtp://host:port", c.SMTPURL)
		}
	}
	if len(c.Sources) > 0 && (c.Kubeconfig != "" || len(c.Namespaces) > 0) {
		return errors.New("--kubeconfig and --namespace are for Kubernetes mode; with --source the sources are the static ones given")
	}
	return nil
}
