package auth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/go-logr/logr"
)

// Defaults for the Config fields left zero.
const (
	DefaultTokenTTL          = 600 * time.Second
	DefaultSecretGracePeriod = 24 * time.Hour
	DefaultReloadInterval    = 30 * time.Second
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway = 30 * time.Second
)

// Config configures one endpoint's authorization server.
type Config struct {
	// CredentialsDir holds the files named by the File* constants (a mounted
	// Secret). Empty: a generated set under DataDir/credentials is used.
	CredentialsDir string
	// DataDir is the server's data folder; used only when CredentialsDir is empty.
	DataDir string
	// BaseURL is the endpoint's public origin, e.g. https://acme.example.org.
	// The issuer is BaseURL, the token URL BaseURL/oauth2/token and the token
	// audience BaseURL/fhir.
	BaseURL string
	// TokenTTL is the access token lifetime (default 600 s).
	TokenTTL time.Duration
	// SecretGracePeriod is how long a replaced client secret keeps working
	// (default 24 h).
	SecretGracePeriod time.Duration
	// ReloadInterval is how old the last read of the files may be when
	// they are used (a token request, a token verified) before they are
	// re-read, if the folder cannot be watched (default 30 s); while it is
	// watched, the re-check for a missed notification is ten times rarer.
	// An idle server re-reads nothing.
	ReloadInterval time.Duration
	// TrustedProxies are the networks of the proxies (an Ingress
	// controller) whose X-Forwarded-For is believed when throttling failed
	// client authentications per source address. Empty: none.
	TrustedProxies []netip.Prefix
	// UsedJTIs keeps used private_key_jwt assertion ids; it should be
	// durable (the server passes its store). Nil: kept in memory only, so
	// an assertion could be replayed after a restart.
	UsedJTIs UsedJTIStore
	Logger   logr.Logger
	// Clients, when set, lists the clients that may get tokens (called on
	// every reload), instead of the client files: the credentials
	// directory then needs only token_signing_key, and only it is
	// generated. Every listed client gets tokens as a customer.
	Clients func() ([]Client, error)
	// ReadOnly caps every client's scopes at read and search (.rs): the
	// endpoint serves no writes, so a token should not claim them.
	ReadOnly bool
	// Exchange, when set, serves the RFC 8693 token exchange grant at the
	// token endpoint (token_exchange.go).
	Exchange Exchanger
	// Clock returns the current time; tests inject one. Default time.Now.
	Clock func() time.Time

	jtiSweepAfter time.Duration // tests: sweepUsedJTIsEvery
}

// Server is one endpoint's token endpoint, token verifier and SMART discovery.
type Server struct {
	cfg      Config
	dir      string
	log      logr.Logger
	now      func() time.Time
	issuer   string
	tokenURL string
	audience string

	ring     atomic.Pointer[keyring]
	reloadMu sync.Mutex // serialises reloads so grace periods are carried correctly
	// readAt (Config.Clock, under reloadMu) is when the credentials in ring
	// were last read and found current: a secret replaced since was still
	// in force then.
	readAt time.Time
	// lastMissReload (unix nanoseconds, wall clock) rate-limits the re-reads
	// that failed client authentications trigger.
	lastMissReload atomic.Int64

	watcher      *fsnotify.Watcher // nil when the folder cannot be watched
	recheckEvery time.Duration     // set by startWatch
	lastRecheck  atomic.Int64      // unix nanoseconds of the last read by watch, or of New's
	recheck      chan struct{}     // recheckIfDue → watch

	tokens   *tokenCache
	jtis     UsedJTIStore
	throttle *throttle
	proxies  trustedProxies

	stop      context.CancelFunc
	done      chan struct{} // closed when watch ends
	sweepDone chan struct{} // closed when sweepUsedJTIs ends
	jtiPut    chan struct{} // jtiRecorded → sweepUsedJTIs
	closeOnce sync.Once
}

// New loads the credentials (generating the default set when no directory is
// given), and watches them for changes until ctx ends or Close.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.SecretGracePeriod <= 0 {
		cfg.SecretGracePeriod = DefaultSecretGracePeriod
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	base, err := normaliseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger.WithName("auth"),
		now:       cfg.Clock,
		issuer:    base,
		tokenURL:  base + "/oauth2/token",
		audience:  base + "/fhir",
		tokens:    newTokenCache(defaultTokenCacheSize),
		jtis:      cfg.UsedJTIs,
		throttle:  newThrottle(defaultThrottlePolicy()),
		proxies:   trustedProxies(cfg.TrustedProxies),
		done:      make(chan struct{}),
		sweepDone: make(chan struct{}),
		recheck:   make(chan struct{}, 1),
		jtiPut:    make(chan struct{}, 1),
	}
	if s.jtis == nil {
		s.jtis = newJTICache(defaultJTICacheSize)
	}
	s.dir = cfg.CredentialsDir
	if s.dir == "" {
		if cfg.DataDir == "" {
			return nil, errors.New("auth: either CredentialsDir or DataDir must be set")
		}
		s.dir = filepath.Join(cfg.DataDir, "credentials")
		generate := generateCredentials
		if cfg.Clients != nil {
			generate = func(dir string) ([]string, error) {
				made, err := generateSigningKeyFile(dir)
				if made {
					return []string{FileTokenSigningKey}, err
				}
				return nil, err
			}
		}
		created, err := generate(s.dir)
		if err != nil {
			return nil, fmt.Errorf("auth: default credentials: %w", err)
		}
		// The folder, never a secret: whoever can read it is the owner anyway.
		s.log.Info("using generated credentials (no credentials dir given)", "dir", s.dir, "created", created)
	}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	s.lastRecheck.Store(time.Now().UnixNano())
	s.startWatch()
	wctx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	go s.watch(wctx)
	go s.sweepUsedJTIs(wctx)
	return s, nil
}

// Close stops the file watcher and the used-jti sweeper and waits for them
// to end; the UsedJTIs store may be closed after it.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
		<-s.sweepDone
	})
}

// Issuer, TokenURL and Audience are the URLs this endpoint puts in and
// expects of tokens.
func (s *Server) Issuer() string   { return s.issuer }
func (s *Server) TokenURL() string { return s.tokenURL }
func (s *Server) Audience() string { return s.audience }

// Reload re-reads the credentials directory. An unchanged directory is a
// no-op; a broken one leaves the current credentials in force.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	var c *credentials
	var err error
	if s.cfg.Clients != nil {
		c, err = readListedCredentials(s.dir, s.cfg.Clients)
	} else {
		c, err = readCredentials(s.dir)
	}
	if err != nil {
		return fmt.Errorf("auth: load credentials from %s: %w", s.dir, err)
	}
	prev := s.ring.Load()
	now := s.now()
	if prev != nil && prev.creds.digest == c.digest {
		s.readAt = now
		return nil
	}
	// A replaced signing key must verify until the last token it signed expires.
	next, err := nextKeyring(prev, c, now, s.readAt, s.cfg.SecretGracePeriod, s.cfg.TokenTTL+Leeway)
	if err != nil {
		return fmt.Errorf("auth: credentials from %s: %w", s.dir, err)
	}
	s.ring.Store(next)
	s.readAt = now
	kv := []any{"dir", s.dir, "clientID", c.customer.id, "aggregatorClientID", c.aggregator.id,
		"signingKeyID", c.key.kid, "signingAlg", c.key.alg, "clientJWKS", len(c.jwks), "listedClients", len(c.listed)}
	if prev == nil {
		s.log.Info("credentials loaded", kv...)
	} else {
		s.log.Info("credentials changed; replaced secrets work for the grace period",
			append(kv, "gracePeriod", s.cfg.SecretGracePeriod)...)
	}
	return nil
}

// missReloadEvery bounds re-reads triggered by failed authentications, so a
// guesser cannot make the server read files more than once a second.
const missReloadEvery = time.Second

// reloadOnMiss re-reads the credentials after a failed client authentication
// unless that happened within the last second, and reports whether the
// credentials changed. It measures with the wall clock, not Config.Clock:
// this is about disk reads, not token lifetimes.
func (s *Server) reloadOnMiss() bool {
	if !claimEvery(&s.lastMissReload, missReloadEvery) {
		return false
	}
	before := s.ring.Load()
	if err := s.Reload(); err != nil {
		return false
	}
	return s.ring.Load() != before
}

func normaliseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return "", fmt.Errorf("auth: BaseURL %q is not a URL", raw)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("auth: BaseURL %q must be an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("auth: BaseURL %q must not carry user info, query or fragment", raw)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}
