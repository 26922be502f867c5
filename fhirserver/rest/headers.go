package rest

import (
	"net/http"
	"strings"
	"time"
)

// returnPref is the Prefer: return= value, which decides a write's body.
type returnPref uint8

const (
	returnRepresentation returnPref = iota // the default: the resource as stored
	returnMinimal                          // no body
	returnOutcome                          // an OperationOutcome
)

// preferences are the parts of the Prefer header (RFC 7240) FHIR uses.
type preferences struct {
	Return returnPref
	// Strict is handling=strict: unknown search parameters are errors.
	Strict bool
	// RespondAsync is accepted but ignored: every interaction here is synchronous.
}

// parsePrefer reads every Prefer header; unknown preferences are ignored as
// RFC 7240 requires.
func parsePrefer(h http.Header) preferences {
	var p preferences
	for _, line := range h.Values("Prefer") {
		for _, part := range strings.Split(line, ",") {
			for _, kv := range strings.Split(part, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				v = strings.Trim(strings.TrimSpace(v), `"`)
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "return":
					switch strings.ToLower(v) {
					case "minimal":
						p.Return = returnMinimal
					case "operationoutcome":
						p.Return = returnOutcome
					case "representation":
						p.Return = returnRepresentation
					}
				case "handling":
					p.Strict = strings.EqualFold(v, "strict")
				}
			}
		}
	}
	return p
}

// etag is the weak ETag FHIR uses for a version.
func etag(versionID string) string { return `W/"` + versionID + `"` }

// parseETag extracts the version from W/"3", "3" or a bare 3. ok is false
// for an empty value.
func parseETag(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	s = strings.TrimPrefix(s, "w/")
	s = strings.Trim(s, `"`)
	return s, s != ""
}

// matchesAnyETag reports whether an If-None-Match list names versionID (or
// is "*", which matches any existing version).
func matchesAnyETag(list, versionID string) bool {
	for _, part := range strings.Split(list, ",") {
		if strings.TrimSpace(part) == "*" {
			return true
		}
		if v, ok := parseETag(part); ok && v == versionID {
			return true
		}
	}
	return false
}

// httpDate formats t for Last-Modified (RFC 7231 IMF-fixdate, always GMT).
func httpDate(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// notModifiedSince reports whether If-Modified-Since allows a 304: the
// resource changed no later than the given date. HTTP dates have second
// precision, so the comparison truncates lastUpdated to the second.
func notModifiedSince(ims string, lastUpdated time.Time) bool {
	if ims == "" {
		return false
	}
	t, err := http.ParseTime(ims)
	if err != nil {
		return false
	}
	return !lastUpdated.Truncate(time.Second).After(t)
}
