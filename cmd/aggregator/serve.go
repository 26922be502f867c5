package main

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// readiness is what /readyz answers: ready once the store is open and the
// sources were found once, until shutdown starts or the store cannot be
// written.
type readiness struct {
	ready atomic.Bool
	store atomic.Pointer[storage.Store]
}

func (r *readiness) serve(w http.ResponseWriter, _ *http.Request) {
	if !r.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if st := r.store.Load(); st != nil {
		if err := st.Writable(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

// handleProbes adds /healthz and /readyz to mux; both listeners answer
// them, so the kubelet may use either.
func (r *readiness) handleProbes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", r.serve)
}

// metricsMux is the handler of --metrics-listen: /metrics and the probes,
// kept off the public listener (it tells every source's name and lag).
func (r *readiness) metricsMux(reg *prometheus.Registry) *http.ServeMux {
	mux := http.NewServeMux()
	r.handleProbes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// newHTTPServer is the http.Server of one listener.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
}
