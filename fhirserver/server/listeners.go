package server

import (
	"net/http"
	"time"
)

// This file is what each listener serves. --listen carries the public API
// (the Ingress routes /fhir, /oauth2 and /.well-known there); --metrics-listen
// carries /metrics, which needs no token and tells store size and feed
// position, so it is reachable inside the cluster (the Service) but never
// through the Ingress. Both answer the probes, so the kubelet may use either.

// newHTTPServer is the http.Server of one listener.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
}

// handleProbes adds /healthz and /readyz to mux.
func (s *Server) handleProbes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.serveReady)
}

// metricsMux is the handler of the metrics listener.
func (s *Server) metricsMux() *http.ServeMux {
	mux := http.NewServeMux()
	s.handleProbes(mux)
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}
