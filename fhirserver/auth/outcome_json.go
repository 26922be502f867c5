package auth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// writeOutcome sends e as an application/fhir+json OperationOutcome. The
// shared fhirjson writer is not there yet, so the small encoder below does
// the job for the plain values an OperationOutcome or a security block holds.
func writeOutcome(w http.ResponseWriter, e *outcome.Error) {
	body := encodeValue(e.Resource())
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// encodeValue writes v as JSON, members in order, numbers as their literal.
func encodeValue(v *fhirjson.Value) []byte {
	var b bytes.Buffer
	appendValue(&b, v)
	return b.Bytes()
}

func appendValue(b *bytes.Buffer, v *fhirjson.Value) {
	if v == nil {
		b.WriteString("null")
		return
	}
	switch v.Kind {
	case fhirjson.Null:
		b.WriteString("null")
	case fhirjson.Bool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case fhirjson.Number:
		b.WriteString(v.Text)
	case fhirjson.String:
		appendString(b, v.Text)
	case fhirjson.Array:
		b.WriteByte('[')
		for i, it := range v.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			appendValue(b, it)
		}
		b.WriteByte(']')
	case fhirjson.Object:
		b.WriteByte('{')
		for i, m := range v.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			appendString(b, m.Name)
			b.WriteByte(':')
			appendValue(b, m.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

func appendString(b *bytes.Buffer, s string) {
	// encoding/json escapes correctly (and <, >, & for safety in HTML contexts).
	q, _ := json.Marshal(s)
	b.Write(q)
}
