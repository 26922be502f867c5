// A tenant server's CPU limit changes only with a new pod (the operator
// rolls the StatefulSet), so the runtime need not re-read the cgroup limit
// every 10 s to update GOMAXPROCS: that periodic wake-up was a quarter of an
// idle server's CPU (docs/storage.md, "Idle cost"). The limit at start is
// still honoured.
//go:debug updatemaxprocs=0

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"

	"github.com/fhirfleet/fhirfleet/fhirserver/server"
	"github.com/fhirfleet/fhirfleet/internal/exitcode"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := server.ParseFlags("fhirserver", args, server.OSEnv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fhirserver: %v\n", err)
		return exitcode.Usage
	}
	var handler slog.Handler = slog.NewJSONHandler(os.Stderr, nil)
	if cfg.LogFormat == "text" {
		handler = slog.NewTextHandler(os.Stderr, nil)
	}
	log := logr.FromSlogHandler(handler)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	// A start on a full disk waits for space inside the store's open, which
	// no context reaches; SIGTERM must still stop it. The store is then
	// left unclosed, which the next start's WAL replay handles.
	started := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			log.Info("stopped before the start finished; the next start replays the WAL", "exitCode", exitcode.StoreFailed)
			os.Exit(exitcode.StoreFailed)
		case <-started:
		}
	}()
	srv, err := server.New(ctx, cfg, log)
	close(started)
	if err != nil {
		log.Error(err, "cannot start")
		return exitcode.For(err)
	}
	if err := srv.Serve(ctx); err != nil {
		if code := exitcode.For(err); code == exitcode.StoreFailed {
			// The store logged its ERROR line when the failure happened.
			log.Info("stopped: the store needs a restart; the next start replays the WAL",
				"reason", err.Error(), "exitCode", code)
			return code
		}
		log.Error(err, "stopped with an error")
		return exitcode.For(err)
	}
	return 0
}
