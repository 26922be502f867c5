package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/fhirfleet/fhirfleet/aggregator/endpoint"
	"github.com/fhirfleet/fhirfleet/aggregator/follow"
	"github.com/fhirfleet/fhirfleet/aggregator/pipeline"
	"github.com/fhirfleet/fhirfleet/aggregator/registration"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
	"github.com/fhirfleet/fhirfleet/internal/exitcode"
	"github.com/fhirfleet/fhirfleet/internal/profiling"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv))
}

// run is the whole process; its result is the exit code.
func run(args []string, getenv func(string) string) int {
	cfg, err := parseFlags("aggregator", args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "aggregator: %v\n", err)
		return exitcode.Usage
	}
	var handler slog.Handler = slog.NewJSONHandler(os.Stderr, nil)
	if cfg.LogFormat == "text" {
		handler = slog.NewTextHandler(os.Stderr, nil)
	}
	log := slog.New(handler)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	disc, sink, err := discovery(ctx, cfg, getenv, log)
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(os.Stderr, "aggregator: %v\n", usage)
		return exitcode.Usage
	}
	if err != nil {
		log.Error("cannot find the sources", "err", err)
		return 1
	}
	a, err := start(ctx, cfg, sink, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitcode.For(err)
	}
	if err := a.serve(ctx, disc); err != nil {
		code := exitcode.For(err)
		log.Error("stopped with an error", "err", err, "exitCode", code)
		return code
	}
	return 0
}

// aggregator is the running process: its store, pipeline, follower and
// listeners.
type aggregator struct {
	cfg      config
	log      *slog.Logger
	store    *storage.Store
	follower *follow.Follower
	ready    *readiness
	endpoint *endpoint.Endpoint // the aggregated endpoint
	reg      *registration.Service

	http, metricsHTTP         *http.Server
	listener, metricsListener net.Listener
	// The profiling listener (--pprof-listen, loopback only), nil unless set.
	pprof *profiling.Listener
}

// start opens the store and everything over it and binds the listeners;
// on error whatever was opened is closed again.
func start(ctx context.Context, cfg config, sink source.StatusSink, log *slog.Logger) (_ *aggregator, err error) {
	a := &aggregator{cfg: cfg, log: log, ready: &readiness{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, a.closeAll())
		}
	}()
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	logger := logr.FromSlogHandler(log.Handler())
	if a.store, err = storage.Open(filepath.Join(dataDir, "store"), storage.Options{Logger: logger.WithName("storage"), CacheBytes: cfg.CacheBytes, CacheStartBytes: cfg.CacheBytes}); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := a.store.ClaimFHIRVersion("R4"); err != nil {
		return nil, fmt.Errorf("the aggregated store is R4: %w (use a new --data-dir)", err)
	}
	a.ready.store.Store(a.store)
	pipe, err := pipeline.Open(ctx, a.store, pipeline.Config{Logger: logger.WithName("pipeline")})
	if err != nil {
		return nil, fmt.Errorf("open pipeline: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.follower, err = follow.New(follow.Config{
		Pipeline:      pipe,
		Status:        sink,
		Metrics:       follow.NewMetrics(reg),
		MaxConcurrent: cfg.MaxConcurrentSources,
		Wait:          cfg.PollWait,
		ForgetDeleted: cfg.ForgetDeleted,
		Logger:        log.With("component", "follow"),
	})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	a.ready.handleProbes(mux)
	if a.endpoint, a.reg, err = mountAggregatedEndpoint(ctx, mux, cfg, dataDir, a.store, pipe, log.With("component", "endpoint")); err != nil {
		return nil, fmt.Errorf("aggregated endpoint: %w", err)
	}
	if a.listener, err = net.Listen("tcp", cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	a.http = newHTTPServer(mux)
	if cfg.MetricsListen != "" {
		if a.metricsListener, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			return nil, fmt.Errorf("--metrics-listen %s: %w", cfg.MetricsListen, err)
		}
		a.metricsHTTP = newHTTPServer(a.ready.metricsMux(reg))
	}
	if a.pprof, err = profiling.Listen(cfg.PprofListen); err != nil {
		return nil, err
	}
	return a, nil
}

// serve follows the sources and answers requests until ctx ends (SIGTERM),
// the discovery fails or the store fails for good; then it stops taking
// requests, stops the followers (a page is stored whole or not at all)
// and closes the store. A nil error means the store closed cleanly.
func (a *aggregator) serve(ctx context.Context, disc source.Discoverer) error {
	errc := make(chan error, 4)
	go func() { errc <- a.http.Serve(a.listener) }()
	metricsAddr := ""
	if a.metricsHTTP != nil {
		go func() { errc <- a.metricsHTTP.Serve(a.metricsListener) }()
		metricsAddr = a.metricsListener.Addr().String()
	}
	if p := a.pprof; p != nil {
		go func() { errc <- p.Serve() }()
		a.log.Info("serving Go profiles", "address", p.Addr().String())
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	followed := make(chan error, 1)
	disc = withCustomers{Discoverer: disc, ensure: a.endpoint.EnsureCustomer, log: a.log}
	go func() { followed <- a.follower.Run(followCtx, disc) }()
	mailed := make(chan struct{})
	go func() { a.reg.RunMailer(followCtx); close(mailed) }()
	go func() {
		select {
		case <-a.follower.Ready():
			a.ready.ready.Store(true)
		case <-followCtx.Done():
		}
	}()
	a.log.Info("serving", "address", a.listener.Addr().String(), "metricsAddress", metricsAddr,
		"base", a.cfg.BaseURL+"/fhir", "sources", len(a.cfg.Sources))

	var runErr, storeErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		runErr = fmt.Errorf("serve: %w", err)
	case err := <-followed:
		runErr = fmt.Errorf("finding sources: %w", err)
		followed <- nil // the follower is done; the wait below must not block
	case <-a.store.Failed():
		storeErr = a.store.Writable() // the store logged why
	}
	a.ready.ready.Store(false)
	a.log.Info("shutting down: draining in-flight requests, stopping the followers", "timeout", a.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := a.http.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("in-flight requests did not finish in time; closing anyway", "err", err)
	}
	stopFollowing()
	<-mailed
	if err := <-followed; err != nil && runErr == nil {
		runErr = fmt.Errorf("finding sources: %w", err)
	}
	if err := a.closeAll(); err != nil {
		return errors.Join(storeErr, err)
	}
	if storeErr != nil || runErr != nil {
		return errors.Join(storeErr, runErr)
	}
	a.log.Info("stopped")
	return nil
}

// closeAll closes what start opened, the store last; an error of the
// store's close is the one that matters (exit 70).
func (a *aggregator) closeAll() error {
	a.pprof.Close() // a profile being recorded is cut
	if a.metricsHTTP != nil {
		_ = a.metricsHTTP.Close()
	} else if a.metricsListener != nil {
		_ = a.metricsListener.Close()
	}
	if a.http == nil && a.listener != nil {
		_ = a.listener.Close()
	}
	if a.endpoint != nil {
		a.endpoint.Close()
		a.endpoint = nil
	}
	if a.store != nil {
		err := a.store.Close()
		a.store = nil
		a.ready.store.Store(nil)
		if err != nil {
			return fmt.Errorf("close store: %w", err)
		}
	}
	return nil
}
