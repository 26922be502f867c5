package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

func TestCheckLoopback(t *testing.T) {
	for _, tt := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:6060", true},
		{"127.0.0.2:0", true},
		{"[::1]:6060", true},
		{"localhost:6060", true},
		{":6060", false},
		{"0.0.0.0:6060", false},
		{"[::]:6060", false},
		{"192.168.1.5:6060", false},
		{"example.test:6060", false},
		{"127.0.0.1", false}, // no port
	} {
		t.Run(tt.addr, func(t *testing.T) {
			if err := checkLoopback(tt.addr); (err == nil) != tt.ok {
				t.Fatalf("checkLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
		})
	}
}

// TestPprofMuxServesProfilesOnly: the profiling mux answers Go's profiles
// and nothing of the API or the metrics.
func TestPprofMuxServesProfilesOnly(t *testing.T) {
	expectCodes(t, pprofMux(), map[string]int{
		"/debug/pprof/":               http.StatusOK,
		"/debug/pprof/heap?debug=1":   http.StatusOK,
		"/debug/pprof/allocs?debug=1": http.StatusOK,
		"/debug/pprof/cmdline":        http.StatusOK,
		"/metrics":                    http.StatusNotFound,
		"/fhir/Patient":               http.StatusNotFound,
	})
}

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
