package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

// TestServerPprofOffByDefault: without --pprof-listen no listener serves
// profiles, neither the public one nor the metrics one.
func TestServerPprofOffByDefault(t *testing.T) {
	base, srv, stop := startServerWith(t, t.TempDir())
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	if a := srv.PprofAddr(); a != nil {
		t.Fatalf("profiling listener on %s without --pprof-listen", a)
	}
	for _, origin := range []string{base, "http://" + srv.MetricsAddr().String()} {
		if code, _ := do(t, "GET", origin+"/debug/pprof/heap?debug=1", "", ""); code != http.StatusNotFound {
			t.Errorf("GET /debug/pprof/heap on %s: %d, want 404", origin, code)
		}
	}
}

// TestServerPprofListen: with --pprof-listen the listener answers a CPU
// profile (a gzipped profile.proto after the seconds asked for) while the
// API keeps answering, and it closes with the server.
func TestServerPprofListen(t *testing.T) {
	base, srv, stop := startServerWith(t, t.TempDir(), "--pprof-listen", "127.0.0.1:0")
	stopped := false
	defer func() {
		if !stopped {
			_ = stop()
		}
	}()
	if srv.PprofAddr() == nil {
		t.Fatal("no profiling listener with --pprof-listen")
	}
	origin := "http://" + srv.PprofAddr().String()
	resp, err := http.Get(origin + "/debug/pprof/profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CPU profile: %d, %v", resp.StatusCode, err)
	}
	if _, err := gzip.NewReader(bytes.NewReader(body)); err != nil {
		t.Fatalf("CPU profile is not gzipped profile.proto (%d bytes): %v", len(body), err)
	}
	if code, _ := do(t, "GET", base+"/healthz", "", ""); code != http.StatusOK {
		t.Fatalf("healthz with profiling on: %d", code)
	}
	if code, _ := do(t, "GET", base+"/debug/pprof/", "", ""); code != http.StatusNotFound {
		t.Fatalf("profiles on the public listener: %d, want 404", code)
	}
	stopped = true
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(origin + "/debug/pprof/"); err == nil {
		t.Fatal("the profiling listener is still open after stop")
	}
}
