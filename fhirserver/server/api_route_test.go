package server

import (
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
)

// TestIsCleanPath agrees with the clean form ServeMux redirects to.
func TestIsCleanPath(t *testing.T) {
	muxClean := func(p string) string { // net/http's cleanPath
		np := path.Clean(p)
		if p[len(p)-1] == '/' && np != "/" {
			np += "/"
		}
		return np
	}
	for _, p := range []string{
		"/", "/fhir", "/fhir/", "/fhir/Patient", "/fhir/Patient/", "/fhir/Patient/1/_history/2",
		"/fhir//Patient", "/fhir/./Patient", "/fhir/../oauth2/token", "/fhir/.", "/fhir/..", "/fhir/Patient/.",
		"/fhir/Patient//", "/fhir/.well-known", "/fhir/..x", "/fhir/x..", "/fhir/.x/", "//fhir", "/fhir/a/b/../c",
	} {
		if got, want := isCleanPath(p), muxClean(p) == p; got != want {
			t.Errorf("isCleanPath(%q) = %v, ServeMux's clean form is %q", p, got, muxClean(p))
		}
	}
}

// TestAPIFirst: requests under /fhir reach the API without the mux, and
// whatever the mux would answer otherwise (its redirects to a clean path,
// the SMART configuration, other routes) it still answers.
func TestAPIFirst(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(name)) })
	}
	api := named("api")
	mux := http.NewServeMux()
	mux.Handle(smartConfigPath, named("smart"))
	mux.Handle("/oauth2/token", named("token"))
	mux.Handle("/fhir", api)
	mux.Handle("/fhir/", api)
	h := apiFirst(api, mux)
	for _, tt := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/fhir/Patient/1", 200, "api"},
		{"POST", "/fhir", 200, "api"},
		{"GET", "/fhir/metadata?_format=json", 200, "api"},
		{"GET", smartConfigPath, 200, "smart"},
		{"POST", "/oauth2/token", 200, "token"},
		{"GET", "/fhir//Patient", http.StatusTemporaryRedirect, ""},
		{"GET", "/fhir/../oauth2/token", http.StatusTemporaryRedirect, ""},
		{"GET", "/fhirx", http.StatusNotFound, ""},
		{"GET", "/elsewhere", http.StatusNotFound, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.code || (tt.body != "" && rec.Body.String() != tt.body) {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, rec.Code, rec.Body, tt.code, tt.body)
		}
		// The mux alone answers the same.
		alone := httptest.NewRecorder()
		mux.ServeHTTP(alone, httptest.NewRequest(tt.method, tt.path, nil))
		if alone.Code != rec.Code || !strings.EqualFold(alone.Body.String(), rec.Body.String()) {
			t.Errorf("%s %s: mux alone %d %q, apiFirst %d %q", tt.method, tt.path, alone.Code, alone.Body, rec.Code, rec.Body)
		}
	}
}

// BenchmarkRoute: choosing the handler of a GET Patient/{id}, through
// ServeMux alone and through apiFirst.
func BenchmarkRoute(b *testing.B) {
	api := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /readyz", func(http.ResponseWriter, *http.Request) {})
	mux.Handle(smartConfigPath, api)
	mux.Handle("/oauth2/token", api)
	mux.Handle("/fhir", api)
	mux.Handle("/fhir/", api)
	req := httptest.NewRequest("GET", "/fhir/Patient/4f6c0a9e21b7d3c85e10", nil)
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"ServeMux", mux}, {"apiFirst", apiFirst(api, mux)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.h.ServeHTTP(nil, req)
			}
		})
	}
}
