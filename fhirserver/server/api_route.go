package server

import (
	"net/http"
	"path"
	"strings"
)

// smartConfigPath is the one path under /fhir that is not the REST API.
const smartConfigPath = "/fhir/.well-known/smart-configuration"

// apiFirst sends a request for the REST API (/fhir and below) straight to
// api, and every other to mux. ServeMux's pattern matching was 5 % of a
// GET's CPU; for a clean path under /fhir it can only pick api, so the
// answer is the same. A path ServeMux would redirect to its clean form
// ("/fhir//Patient", "/fhir/./x"), CONNECT and the SMART configuration still
// go through mux, as does everything else.
func apiFirst(api http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; r.Method != http.MethodConnect && (p == "/fhir" || strings.HasPrefix(p, "/fhir/")) &&
			p != smartConfigPath && isCleanPath(p) {
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// isCleanPath reports whether p, an absolute path, is its own clean form as
// ServeMux computes it: path.Clean's, keeping a trailing slash. (path.Clean
// allocates nothing when p is already clean.)
func isCleanPath(p string) bool {
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return path.Clean(p) == p
}
