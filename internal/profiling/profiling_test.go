package profiling

import (
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
