package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProfileSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{500 * time.Millisecond: 1, 2 * time.Second: 1, 5 * time.Second: 4, 10*time.Second + 900*time.Millisecond: 9} {
		if got := profileSeconds(d); got != want {
			t.Errorf("profileSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestTrimTop(t *testing.T) {
	in := "File: fhirserver\nBuild ID: abc\nType: cpu\nTime: 2026-12-03 04:00:00 UTC\nDuration: 4s, Total samples = 7s\n      flat  flat%\n"
	if got, want := trimTop(in), "Type: cpu\nDuration: 4s, Total samples = 7s\n      flat  flat%\n"; got != want {
		t.Fatalf("trimTop:\n%q\nwant\n%q", got, want)
	}
}

// TestProfilerCapturesAndSummarises records both profiles from a real
// net/http/pprof handler while this process works, and summarises them with
// go tool pprof, as benchserver -profile does with a fhirserver.
func TestProfilerCapturesAndSummarises(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	pr := &profiler{dir: t.TempDir()}
	wait := pr.capture(context.Background(), srv.URL, "busy", time.Second)
	var sink [][]byte
	for t0 := time.Now(); time.Since(t0) < 1200*time.Millisecond; {
		sink = append(sink, make([]byte, 64<<10)) // allocations for the allocs profile
		if len(sink) > 64 {
			sink = sink[:0]
		}
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"cpu", "allocs"} {
		if fi, err := os.Stat(pr.file("busy", kind)); err != nil || fi.Size() == 0 {
			t.Fatalf("%s profile: %v", kind, err)
		}
	}
	if err := pr.summarise("Busy loop", "busy"); err != nil {
		t.Fatal(err)
	}
	got := pr.tops[0]
	for _, want := range []string{"#### Busy loop", "Type: cpu", "Type: alloc_space", "-nodecount=15", "flat%"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}
