package profiling

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
)

// The profiling listener (--pprof-listen) is off unless asked for: profiles
// show the code's internals and a CPU profile costs the process while it
// runs, so it is for a developer measuring a process on their own machine,
// never for a tenant's endpoint. It is a listener of its own, like /metrics,
// so neither an Ingress nor a metrics Service can ever route to it, and only
// on a loopback address.

// CheckLoopback accepts a listen address whose host is a loopback IP or
// localhost; an empty host (":6060") would be every interface.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof-listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--pprof-listen %q: want a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT)", addr)
}

// Mux serves net/http/pprof under /debug/pprof/ on its own mux (the
// package's import also registers on http.DefaultServeMux, which no listener
// of ours serves).
func Mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index) // the named profiles: heap, allocs, goroutine, ...
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
