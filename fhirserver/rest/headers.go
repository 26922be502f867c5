package rest

import (
	"net/http"
	"strconv"
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

// appendETag appends etag's form of a numeric version id.
func appendETag(dst []byte, versionID int64) []byte {
	return append(strconv.AppendInt(append(dst, `W/"`...), versionID, 10), '"')
}

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

// appendHTTPDate appends t formatted for Last-Modified (RFC 9110
// IMF-fixdate, always GMT), as t.UTC().AppendFormat(dst, http.TimeFormat)
// does but without reading the layout: Format's layout walk was 3 % of a
// GET's CPU. Years without four digits (never a lastUpdated) go through
// AppendFormat.
func appendHTTPDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, http.TimeFormat)
	}
	h, mi, s := t.Clock()
	var b [29]byte // "Mon, 02 Jan 2006 15:04:05 GMT"
	copy(b[:], t.Weekday().String()[:3])
	b[3], b[4] = ',', ' '
	two(b[5:], d)
	b[7] = ' '
	copy(b[8:], mo.String()[:3])
	b[11] = ' '
	two(b[12:], y/100)
	two(b[14:], y%100)
	b[16] = ' '
	two(b[17:], h)
	b[19] = ':'
	two(b[20:], mi)
	b[22] = ':'
	two(b[23:], s)
	copy(b[25:], " GMT")
	return append(dst, b[:]...)
}

// two writes n (0–99) as two digits.
func two(b []byte, n int) {
	b[0], b[1] = byte('0'+n/10), byte('0'+n%10)
}

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
