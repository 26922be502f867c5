package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/fhirserver/auth"
	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/rest"
	"github.com/fhirfleet/fhirfleet/fhirserver/search"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/internal/profiling"
)

// Server is one running FHIR server process.
type Server struct {
	cfg      Config
	log      logr.Logger
	store    *storage.Store
	auth     *auth.Server
	metrics  *Metrics
	http     *http.Server
	listener net.Listener
	// The metrics listener is separate so that the Ingress, which routes
	// only the public paths to --listen, never exposes store size and feed
	// position; nil when --metrics-listen is empty.
	metricsHTTP     *http.Server
	metricsListener net.Listener
	// pprof serves Go's profiles on a loopback listener of its own, nil
	// unless --pprof-listen is set (why: internal/profiling).
	pprof *profiling.Listener
	ready atomic.Bool
}

// New opens everything the server needs and binds its listener, but does
// not serve yet. On error, whatever was opened is closed again.
func New(ctx context.Context, cfg Config, log logr.Logger) (_ *Server, err error) {
	version := defs.ByName(cfg.FHIRVersion)
	if version == nil {
		return nil, fmt.Errorf("unknown FHIR version %q", cfg.FHIRVersion)
	}
	s := &Server{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			_ = s.closeBackends() // the start error is the one to report
		}
	}()

	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	s.store, err = storage.Open(filepath.Join(dataDir, "store"), storage.Options{Logger: log.WithName("storage"), CacheBytes: cfg.CacheBytes,
		MinSyncInterval: minSyncInterval(cfg.MinSyncInterval)})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := claimVersion(s.store, version.Name); err != nil {
		return nil, err
	}
	engine, err := search.NewEngine(version, s.store, search.Options{BaseURL: cfg.BaseURL + "/fhir"})
	if err != nil {
		return nil, fmt.Errorf("search engine: %w", err)
	}
	// When the definitions or the index encoding changed since the store
	// was written, rebuild every index before serving (progress is logged),
	// so a search never reads entries of an older format.
	if rebuilt, err := engine.EnsureIndexes(ctx); err != nil {
		return nil, fmt.Errorf("rebuild search indexes: %w", err)
	} else if rebuilt {
		log.Info("search indexes rebuilt", "fingerprint", engine.Fingerprint())
	}
	// Used private_key_jwt assertion ids are kept in the store, so an
	// assertion cannot be replayed after a restart.
	usedJTIs, err := s.store.AppMeta(storage.AppMetaUsedJTIs)
	if err != nil {
		return nil, fmt.Errorf("used assertion ids: %w", err)
	}
	s.auth, err = auth.New(ctx, auth.Config{
		CredentialsDir:    cfg.CredentialsDir,
		DataDir:           dataDir,
		BaseURL:           cfg.BaseURL,
		TokenTTL:          cfg.TokenTTL,
		SecretGracePeriod: cfg.SecretGrace,
		TrustedProxies:    cfg.TrustedProxies,
		UsedJTIs:          usedJTIs,
		Logger:            log.WithName("auth"),
	})
	if err != nil {
		return nil, fmt.Errorf("authorization server: %w", err)
	}
	s.metrics = NewMetrics(StoreStats{
		SizeBytes:    func() float64 { return float64(s.store.Metrics().DiskUsageBytes) },
		FeedSequence: func() float64 { return float64(s.store.Metrics().LastSeq) },
		Writable: func() float64 {
			if s.store.Metrics().Writable {
				return 1
			}
			return 0
		},
		DiskFullEvents: func() float64 { return float64(s.store.Metrics().DiskFullEvents) },
		SyncFailures:   func() float64 { return float64(s.store.Metrics().SyncFailures) },
	})
	api, err := rest.New(rest.Config{
		Version:      version,
		Store:        s.store,
		Searcher:     engine,
		Auth:         s.auth,
		BaseURL:      cfg.BaseURL,
		MaxBodyBytes: cfg.MaxBodyBytes,
		MaxDepth:     cfg.MaxDepth,
		Logger:       log.WithName("rest"),
		Metrics:      s.metrics,
		// Every request's work stops here (a $changes long poll's wait
		// excepted), so no single query can hold a core.
		RequestTimeout: cfg.RequestTimeout,

		MaxElements:          cfg.MaxElements,
		BodyTimeout:          cfg.BodyTimeout,
		MaxInflightBodyBytes: cfg.MaxInflightBodyBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("REST API: %w", err)
	}

	mux := http.NewServeMux()
	s.handleProbes(mux)
	mux.Handle("/oauth2/token", s.auth.TokenHandler())
	mux.Handle(smartConfigPath, s.auth.SMARTConfigHandler())
	protected := s.auth.Middleware(api)
	mux.Handle("/fhir", protected)
	mux.Handle("/fhir/", protected)

	s.listener, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	s.listener = newLimitListener(s.listener, cfg.MaxConnections, cfg.MaxConnectionsPerAddress, s.metrics.Registry())
	// Bound before any http.Server exists; closeBackends closes it, like
	// every listener, whatever stage a failed start reached.
	if s.pprof, err = profiling.Listen(cfg.PprofListen); err != nil {
		return nil, err
	}
	s.http = newHTTPServer(bodyDeadline(apiFirst(protected, mux), cfg.BodyTimeout))
	if cfg.MetricsListen != "" {
		s.metricsListener, err = net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			return nil, fmt.Errorf("--metrics-listen %s: %w", cfg.MetricsListen, err)
		}
		s.metricsHTTP = newHTTPServer(s.metricsMux())
	}
	// Shutdown waits for in-flight requests; a $changes long poll would hold
	// it for up to a minute, so pending polls are answered at once.
	s.http.RegisterOnShutdown(api.Close)
	freeStartupGarbage()
	return s, nil
}

// freeStartupGarbage collects the garbage start-up left and returns its
// pages to the OS, when there is enough of it to matter. A start that
// re-indexed a store or decoded much makes megabytes of garbage the runtime
// would keep mapped until the scavenger slowly gave them back; that start
// has collected at least once already (the runtime's first heap goal is
// 4 MB), and one more collection, returning the pages, costs a few
// milliseconds. A start on an empty or up-to-date store makes about 1 MB
// (the definitions' head, Pebble's buffers) and never reaches the first
// goal: collecting it would cost more than it frees — the collector's own
// structures and the binary's pages of its code and of every goroutine's
// stack maps, ~0.3 MiB of an idle server's RSS — and a process that has
// never collected is not collected by the runtime's two-minute timer either,
// which counts from the last collection.
func freeStartupGarbage() {
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cycles)
	if cycles[0].Value.Kind() == metrics.KindUint64 && cycles[0].Value.Uint64() > 0 {
		debug.FreeOSMemory()
	}
}

// Addr is the address the server listens on (useful with --listen :0).
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// MetricsAddr is the address of the metrics listener, nil when there is none.
func (s *Server) MetricsAddr() net.Addr {
	if s.metricsListener == nil {
		return nil
	}
	return s.metricsListener.Addr()
}

// PprofAddr is the address of the profiling listener, nil when there is none.
func (s *Server) PprofAddr() net.Addr { return s.pprof.Addr() }

// Serve answers requests until ctx is cancelled or the store fails for
// good, then stops taking new requests, waits up to ShutdownTimeout for
// in-flight ones, and closes the store. A nil error means every acknowledged
// write is on disk and the store closed cleanly; an error that is (or wraps)
// storage.ErrFailed or storage.ErrDiskFull means the store must be reopened
// by a new process (the WAL replay keeps every acknowledged write).
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 3)
	// Ready before the first request can be answered: a probe of /healthz
	// that passes means /readyz passes too (the operator's startup probe is
	// on /healthz, and the kubelet asks /readyz right after it).
	s.ready.Store(true)
	go func() { errc <- s.http.Serve(s.listener) }()
	metricsAddr := ""
	if s.metricsHTTP != nil {
		go func() { errc <- s.metricsHTTP.Serve(s.metricsListener) }()
		metricsAddr = s.metricsListener.Addr().String()
	}
	if p := s.pprof; p != nil {
		go func() { errc <- p.Serve() }()
		s.log.Info("serving Go profiles", "address", p.Addr().String())
	}
	s.log.Info("serving", "address", s.listener.Addr().String(), "metricsAddress", metricsAddr,
		"fhirVersion", s.cfg.FHIRVersion, "base", s.cfg.BaseURL+"/fhir", "tokenURL", s.auth.TokenURL())

	var serveErr, storeErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	case <-s.store.Failed():
		// The store logged why; only a new process can write again.
		storeErr = s.store.Writable()
	}
	s.ready.Store(false)
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		if s.store.Writable() != nil {
			// Commits held by a full disk never finish; expected.
			s.log.Info("in-flight requests did not finish in time; closing anyway", "reason", s.store.Writable().Error())
		} else {
			s.log.Error(err, "in-flight requests did not finish in time; closing anyway")
		}
	}
	if s.metricsHTTP != nil {
		// Scrapes are short; whatever is left after the API drained is cut.
		_ = s.metricsHTTP.Close()
	}
	s.pprof.Close()
	if err := s.closeBackends(); err != nil {
		return errors.Join(storeErr, err)
	}
	if storeErr != nil {
		return storeErr
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	s.log.Info("stopped")
	return nil
}

// serveReady answers 200 only while the store is open, requests are served
// and writes can succeed; during shutdown, while the disk is full and after
// the store failed it answers 503 so load balancers stop routing here.
func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if s.store != nil {
		if err := s.store.Writable(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) closeBackends() error {
	if s.auth != nil {
		s.auth.Close()
		s.auth = nil
	}
	if s.listener != nil && s.http == nil {
		_ = s.listener.Close()
	}
	if s.metricsListener != nil && s.metricsHTTP == nil {
		_ = s.metricsListener.Close()
	}
	s.pprof.Close()
	if s.store != nil {
		err := s.store.Close()
		s.store = nil
		if err != nil {
			return fmt.Errorf("close store: %w", err)
		}
	}
	return nil
}

// minSyncInterval is the store's option for --min-sync-interval, whose 0
// means no delay (the store's 0 means its default).
func minSyncInterval(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
