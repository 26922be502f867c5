package profiling

import (
	"net/http"
	"net/http/pprof"
)

// Mount adds /debug/pprof/ (index, cmdline, profile, symbol, trace and the
// named profiles) to mux. Mount it on a listener kept off the Ingress only:
// profiles tell a lot about a process and a CPU profile costs CPU.
func Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
