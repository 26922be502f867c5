package endpoint

import (
	"net/http"
	"strings"

	"github.com/fhirfleet/fhirfleet/aggregator/access"
)

// noteReads calls OnPatientRead after a patient token's successful GET of
// one resource or one of its versions, so read receipts see exactly the
// reads that were answered with the resource.
func (e *Endpoint) noteReads(next http.Handler) http.Handler {
	if e.onRead == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, _ := access.SubjectFrom(r.Context())
		typ, id, ok := readTarget(r)
		if who.Patient == "" || !ok {
			next.ServeHTTP(w, r)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusOK {
			if err := e.onRead(r.Context(), who.Patient, typ, id); err != nil {
				e.log.Error(err, "cannot record a patient's read", "resource", typ+"/"+id)
			}
		}
	})
}

// readTarget is the resource a GET of /fhir/<type>/<id> or
// /fhir/<type>/<id>/_history/<vid> reads.
func readTarget(r *http.Request) (typ, id string, ok bool) {
	if r.Method != http.MethodGet {
		return "", "", false
	}
	seg := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/fhir"), "/"), "/")
	switch {
	case len(seg) == 2, len(seg) == 4 && seg[2] == "_history":
	default:
		return "", "", false
	}
	if seg[0] == "" || seg[1] == "" || strings.HasPrefix(seg[1], "_") || strings.HasPrefix(seg[1], "$") {
		return "", "", false
	}
	return seg[0], seg[1], true
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
