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
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
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
		return 2
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
			log.Info("stopped before the start finished; the next start replays the WAL", "exitCode", exitStoreFailed)
			os.Exit(exitStoreFailed)
		case <-started:
		}
	}()
	srv, err := server.New(ctx, cfg, log)
	close(started)
	if err != nil {
		log.Error(err, "cannot start")
		return exitCode(err)
	}
	if err := srv.Serve(ctx); err != nil {
		if code := exitCode(err); code == exitStoreFailed {
			// The store logged its ERROR line when the failure happened.
			log.Info("stopped: the store needs a restart; the next start replays the WAL",
				"reason", err.Error(), "exitCode", code)
			return code
		}
		log.Error(err, "stopped with an error")
		return exitCode(err)
	}
	return 0
}

// exitStoreFailed is the exit code when the store was not closed cleanly and
// a new process must reopen it (a failed WAL fsync, SIGTERM while the disk
// is full or before the start finished, a Pebble fatal error): the WAL
// replay recovers every acknowledged write (docs/storage.md). 70 is
// EX_SOFTWARE of sysexits.h.
const exitStoreFailed = 70

// exitCode is the exit code for an error of New or Serve: 70 when the store
// failed, 1 for anything else.
func exitCode(err error) int {
	if errors.Is(err, storage.ErrFailed) || errors.Is(err, storage.ErrDiskFull) {
		return exitStoreFailed
	}
	return 1
}
