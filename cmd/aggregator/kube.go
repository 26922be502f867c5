package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/fhirfleet/fhirfleet/aggregator/kubesource"
	"github.com/fhirfleet/fhirfleet/aggregator/source"
)

// kubeSources finds the sources in Kubernetes — every FhirEndpoint with
// aggregation enabled, in namespaces (empty: all), reached at its Service
// or public URL (sourceAddress) — and publishes each source's State on its
// FhirEndpoint (package kubesource). A variable so a test can stand in
// for a cluster; nil means static sources only.
var kubeSources = func(_ context.Context, kubeconfig string, namespaces []string, sourceAddress string, log *slog.Logger) (source.Discoverer, source.StatusSink, error) {
	rc, err := kubesource.RESTConfig(kubeconfig)
	if err != nil {
		return nil, nil, err
	}
	s, err := kubesource.New(kubesource.Config{RESTConfig: rc, Namespaces: namespaces, SourceAddress: sourceAddress, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	return s, s.StatusSink(), nil
}

// usageError is a configuration that cannot run: the binary exits 2 with
// its message.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// staticUsage is how to name a static source, for the errors that ask
// for one.
const staticUsage = "--source name=<n>,customer=<c>,url=<origin>,credentials-dir=<dir> (once per source)"

// discovery is where the sources come from: the --source flags, or else
// Kubernetes (in the cluster, or the one --kubeconfig names). getenv is
// how the process learns whether it runs in a cluster.
func discovery(ctx context.Context, cfg config, getenv func(string) string, log *slog.Logger) (source.Discoverer, source.StatusSink, error) {
	if len(cfg.Sources) > 0 {
		return source.NewStaticDiscoverer(cfg.Sources, 0, log.With("discovery", "static")), nil, nil
	}
	if cfg.Kubeconfig == "" && getenv("KUBERNETES_SERVICE_HOST") == "" {
		return nil, nil, &usageError{fmt.Sprintf("no --source given and not running in a Kubernetes cluster: pass %s, or --kubeconfig to follow the FhirEndpoints of a cluster", staticUsage)}
	}
	if kubeSources == nil {
		return nil, nil, &usageError{fmt.Sprintf("this aggregator is built without Kubernetes discovery; pass %s", staticUsage)}
	}
	d, sink, err := kubeSources(ctx, cfg.Kubeconfig, cfg.Namespaces, cfg.SourceAddress, log.With("discovery", "kubernetes"))
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes discovery: %w", err)
	}
	return d, sink, nil
}
