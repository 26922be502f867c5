package server

import (
	"net/http"
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
// ServeMux computes it (path.Clean, keeping a trailing slash): no empty,
// "." or ".." segment but a final empty one.
func isCleanPath(p string) bool {
	for i := 1; i < len(p); {
		j := strings.IndexByte(p[i:], '/')
		if j < 0 {
			j = len(p) - i
		}
		seg := p[i : i+j]
		last := i+j >= len(p)
		if (seg == "" && !last) || seg == "." || seg == ".." {
			return false
		}
		i += j + 1
	}
	return true
}
