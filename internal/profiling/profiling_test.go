package profiling

import (
	"errors"
	"net/http"
	"net/http/httptest"
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
			if err := CheckLoopback(tt.addr); (err == nil) != tt.ok {
				t.Fatalf("CheckLoopback(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
		})
	}
}

// TestMuxServesProfilesOnly: the profiling mux answers Go's profiles and
// nothing else.
func TestMuxServesProfilesOnly(t *testing.T) {
	mux := Mux()
	for path, want := range map[string]int{
		"/debug/pprof/":               http.StatusOK,
		"/debug/pprof/heap?debug=1":   http.StatusOK,
		"/debug/pprof/allocs?debug=1": http.StatusOK,
		"/debug/pprof/cmdline":        http.StatusOK,
		"/metrics":                    http.StatusNotFound,
		"/fhir/Patient":               http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

// TestListen: no address, no listener (and a nil Listener is safe to ask
// and close); a non-loopback address is refused before anything binds; a
// loopback one serves the profiles until Close.
func TestListen(t *testing.T) {
	none, err := Listen("")
	if err != nil || none != nil || none.Addr() != nil {
		t.Fatalf("Listen(\"\") = %v, %v", none, err)
	}
	none.Close()
	if _, err := Listen(":0"); err == nil {
		t.Fatal("Listen(\":0\") bound every interface")
	}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- l.Serve() }()
	resp, err := http.Get("http://" + l.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("goroutine profile: %d", resp.StatusCode)
	}
	l.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve after Close: %v", err)
	}
	if _, err := http.Get("http://" + l.Addr().String() + "/debug/pprof/"); err == nil {
		t.Fatal("still served after Close")
	}
}
