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
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		log.Error(err, "cannot start")
		return 1
	}
	if err := srv.Serve(ctx); err != nil {
		log.Error(err, "stopped with an error")
		return 1
	}
	return 0
}
