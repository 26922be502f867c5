package profiling

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
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

// Listener is a binary's profiling listener: Mux on a loopback address of
// its own. A nil *Listener stands for "not asked for" and its Addr and
// Close do nothing.
type Listener struct {
	ln  net.Listener
	srv *http.Server
}

// Listen binds addr, which must be a loopback address (CheckLoopback); an
// empty addr gives a nil Listener and no error.
func Listen(addr string) (*Listener, error) {
	if addr == "" {
		return nil, nil
	}
	if err := CheckLoopback(addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-listen %s: %w", addr, err)
	}
	// No write or idle timeout: a CPU profile answers only after the
	// seconds it was asked to record.
	return &Listener{ln: ln, srv: &http.Server{Handler: Mux(), ReadHeaderTimeout: 10 * time.Second}}, nil
}

// Addr is where the profiles are served; nil for a nil Listener.
func (l *Listener) Addr() net.Addr {
	if l == nil {
		return nil
	}
	return l.ln.Addr()
}

// Serve answers until Close, then returns http.ErrServerClosed.
func (l *Listener) Serve() error { return l.srv.Serve(l.ln) }

// Close stops serving (a profile being recorded is cut) and closes the
// socket, served or not.
func (l *Listener) Close() {
	if l == nil {
		return
	}
	_ = l.srv.Close()
	_ = l.ln.Close()
}
