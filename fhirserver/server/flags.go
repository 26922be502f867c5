package server

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/internal/bytesize"
	"github.com/fhirfleet/fhirfleet/internal/envflag"
	"github.com/fhirfleet/fhirfleet/internal/profiling"
)

// EnvPrefix is the prefix of the environment variables that stand in for
// flags: --data-dir is also read from FHIRSERVER_DATA_DIR.
const EnvPrefix = "FHIRSERVER_"

// Config is everything the fhirserver binary is told at start.
type Config struct {
	FHIRVersion   string
	DataDir       string
	Listen        string
	MetricsListen string
	// PprofListen is the loopback address of net/http/pprof; empty (the
	// default): no profiling listener.
	PprofListen     string
	BaseURL         string
	CredentialsDir  string
	MaxBodyBytes    int64
	MaxDepth        int
	TokenTTL        time.Duration
	SecretGrace     time.Duration
	ShutdownTimeout time.Duration
	LogFormat       string
	// TrustedProxies are the proxies whose X-Forwarded-For the token
	// endpoint's throttle believes (--trusted-proxies).
	TrustedProxies []netip.Prefix
	RequestTimeout time.Duration

	// Bounds against clients that hold connections or memory (issue 15).
	BodyTimeout              time.Duration
	MaxInflightBodyBytes     int64
	MaxElements              int
	MaxConnections           int
	MaxConnectionsPerAddress int

	// CacheBytes is the most the Pebble block cache grows to (--cache-size):
	// it starts small (8 MiB) so a small tenant's endpoint stays small under
	// load too, and grows with the store's sstables.
	CacheBytes int64
	// MinSyncInterval is the shortest time between two WAL fsyncs while
	// the store is busy, for 10 ms after 16 or more writes were in progress
	// at once (--min-sync-interval); 0: every waiting commit is synced at
	// once.
	MinSyncInterval time.Duration
}

// ParseFlags reads the configuration from args, then fills every flag not
// given on the command line from its FHIRSERVER_<FLAG> environment variable
// (upper case, dashes as underscores). The command line wins over the
// environment because it is the more specific of the two.
func ParseFlags(name string, args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.FHIRVersion, "fhir-version", "", "FHIR version this server speaks: R4 or STU3 (required)")
	fs.StringVar(&c.DataDir, "data-dir", "./data", "folder of the Pebble store")
	fs.StringVar(&c.Listen, "listen", ":8080", "address of the FHIR API, the token endpoint and the probes")
	fs.StringVar(&c.MetricsListen, "metrics-listen", ":9090", "address of /metrics and the probes, kept off the public listener; empty (--metrics-listen=): no metrics listener")
	fs.StringVar(&c.PprofListen, "pprof-listen", "", "loopback address of Go's profiles (/debug/pprof/), for measuring the server; empty (the default): not served")
	fs.StringVar(&c.BaseURL, "base-url", "http://localhost:8080", "public origin; the FHIR base is <base-url>/fhir")
	fs.StringVar(&c.CredentialsDir, "credentials-dir", "", "folder with the endpoint's OAuth credentials (one file per Secret key); empty: generate a set under <data-dir>/credentials")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 16<<20, "largest request body accepted (413 above)")
	fs.IntVar(&c.MaxDepth, "max-depth", 64, "deepest JSON nesting accepted in a request body")
	fs.DurationVar(&c.TokenTTL, "token-ttl", 600*time.Second, "lifetime of issued access tokens")
	fs.DurationVar(&c.SecretGrace, "secret-grace-period", 24*time.Hour, "how long a rotated-out client secret keeps working")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 25*time.Second, "how long SIGTERM waits for in-flight requests")
	fs.StringVar(&c.LogFormat, "log-format", "json", "log format: json or text")
	fs.Func("trusted-proxies", "comma-separated CIDRs of proxies (the Ingress controller) whose X-Forwarded-For is believed when throttling failed token requests per client address; empty: none", func(v string) error {
		p, err := auth.ParseTrustedProxies(v)
		c.TrustedProxies = p
		return err
	})
	fs.DurationVar(&c.RequestTimeout, "request-timeout", 30*time.Second, "how long one request may work before it stops and answers 503 too-costly (a $changes long poll's wait does not count)")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", 20*time.Second, "how long a request body may take to arrive once its headers are handled (408 after); keep it below --shutdown-timeout")
	fs.Int64Var(&c.MaxInflightBodyBytes, "max-inflight-body-bytes", 16<<20, "bytes of request bodies read and processed at once; a request finding no room within 5s gets 503 with Retry-After")
	fs.IntVar(&c.MaxElements, "max-elements", 200000, "most elements (JSON values) one resource in a body may have (413 above)")
	fs.IntVar(&c.MaxConnections, "max-connections", 2048, "most connections open at once; more are closed at once (0: no cap)")
	fs.IntVar(&c.MaxConnectionsPerAddress, "max-connections-per-address", 512, "most connections open at once from one IP address; more are closed at once (0: no cap)")
	c.CacheBytes = storage.DefaultCacheBytes
	fs.Var(bytesize.Flag(&c.CacheBytes), "cache-size", "most the Pebble block cache grows to: bytes, or with a unit (64MiB). It starts at 8MiB (or this, if smaller) and grows with the store's sstables; filled only as blocks are read, so an idle server does not pay for it")
	fs.DurationVar(&c.MinSyncInterval, "min-sync-interval", storage.DefaultMinSyncInterval, "shortest time between two WAL fsyncs for 10ms after 16 or more writes were in progress at once, so more commits share one; a write is still acknowledged only once fsynced. 0: sync at once")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if err := envflag.Apply(fs, EnvPrefix, getenv); err != nil {
		return c, err
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	switch strings.ToUpper(c.FHIRVersion) {
	case "R4":
		c.FHIRVersion = "R4"
	case "STU3":
		c.FHIRVersion = "STU3"
	case "":
		return errors.New("--fhir-version is required: R4 or STU3")
	default:
		return fmt.Errorf("--fhir-version %q: want R4 or STU3", c.FHIRVersion)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		return fmt.Errorf("--base-url %q: want an http:// or https:// origin", c.BaseURL)
	}
	if c.MaxBodyBytes <= 0 || c.MaxDepth <= 0 {
		return errors.New("--max-body-bytes and --max-depth must be positive")
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("--request-timeout %s: must be positive", c.RequestTimeout)
	}
	if c.BodyTimeout <= 0 || c.MaxInflightBodyBytes <= 0 || c.MaxElements <= 0 {
		return errors.New("--body-timeout, --max-inflight-body-bytes and --max-elements must be positive")
	}
	if c.MaxConnections < 0 || c.MaxConnectionsPerAddress < 0 {
		return errors.New("--max-connections and --max-connections-per-address must not be negative")
	}
	if c.MinSyncInterval < 0 || c.MinSyncInterval > time.Second {
		return fmt.Errorf("--min-sync-interval %s: want 0 to 1s", c.MinSyncInterval)
	}
	if c.CacheBytes < 1<<20 {
		return fmt.Errorf("--cache-size %d: want at least 1MiB", c.CacheBytes)
	}
	if c.PprofListen != "" {
		if err := profiling.CheckLoopback(c.PprofListen); err != nil {
			return err
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("--log-format %q: want json or text", c.LogFormat)
	}
	return nil
}

// OSEnv is os.Getenv, for ParseFlags.
func OSEnv(k string) string { return os.Getenv(k) }
