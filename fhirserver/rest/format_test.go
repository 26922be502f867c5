package rest

import (
	"net/http"
	"testing"
)

func TestNegotiateResponse(t *testing.T) {
	tests := []struct {
		name, format, accept, release string
		status                        int // 0 = acceptable
	}{
		{"nothing", "", "", "4.0.1", 0},
		{"fhir json", "", "application/fhir+json", "4.0.1", 0},
		{"plain json", "", "application/json", "4.0.1", 0},
		{"stu3 legacy", "", "application/json+fhir", "3.0.2", 0},
		{"any", "", "*/*", "4.0.1", 0},
		{"browser", "", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "4.0.1", 0},
		{"right version", "", "application/fhir+json; fhirVersion=4.0", "4.0.1", 0},
		{"full release", "", "application/fhir+json; fhirVersion=3.0.2", "3.0.2", 0},
		{"wrong version", "", "application/fhir+json; fhirVersion=3.0", "4.0.1", http.StatusNotAcceptable},
		{"one right of two", "", "application/fhir+json; fhirVersion=3.0, application/fhir+json; fhirVersion=4.0", "4.0.1", 0},
		{"xml only", "", "application/fhir+xml", "4.0.1", http.StatusNotAcceptable},
		{"xml q0 json", "", "application/fhir+xml, application/json;q=0.5", "4.0.1", 0},
		{"json refused q0", "", "application/fhir+json;q=0, application/xml", "4.0.1", http.StatusNotAcceptable},
		{"text plain", "", "text/plain", "4.0.1", http.StatusNotAcceptable},
		{"html only", "", "text/html", "4.0.1", http.StatusNotAcceptable},
		{"json refused q0 alone", "", "application/fhir+json;q=0", "4.0.1", http.StatusNotAcceptable},
		{"anything refused", "", "*/*;q=0", "4.0.1", http.StatusNotAcceptable},
		{"text plain or any", "", "text/plain, */*;q=0.1", "4.0.1", 0},
		{"unparsable", "", ";;;", "4.0.1", 0},
		{"_format json", "json", "application/fhir+xml", "4.0.1", 0},
		{"_format mime", "application/fhir+json", "", "4.0.1", 0},
		{"_format xml", "xml", "application/json", "4.0.1", http.StatusNotAcceptable},
		{"_format fhir xml", "application/fhir+xml", "", "4.0.1", http.StatusNotAcceptable},
		{"_format turtle", "ttl", "", "4.0.1", http.StatusNotAcceptable},
		{"_format nonsense", "html", "", "4.0.1", http.StatusNotAcceptable},
		{"_format version", "application/fhir+json;fhirVersion=3.0", "", "4.0.1", http.StatusNotAcceptable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := negotiateResponse(tt.format, tt.accept, tt.release)
			got := 0
			if err != nil {
				got = err.Status
			}
			if got != tt.status {
				t.Errorf("status = %d, want %d (err %v)", got, tt.status, err)
			}
		})
	}
}

func TestBodyContentType(t *testing.T) {
	tests := []struct {
		ct, release string
		want        bodyKind
		status      int
	}{
		{"", "4.0.1", bodyFHIRJSON, 0},
		{"application/fhir+json", "4.0.1", bodyFHIRJSON, 0},
		{"application/fhir+json; charset=UTF-8", "4.0.1", bodyFHIRJSON, 0},
		{"application/json", "3.0.2", bodyFHIRJSON, 0},
		{"application/fhir+json; fhirVersion=3.0", "3.0.2", bodyFHIRJSON, 0},
		{"application/fhir+json; fhirVersion=4.0", "3.0.2", 0, http.StatusUnsupportedMediaType},
		{"application/fhir+json; charset=latin1", "4.0.1", 0, http.StatusUnsupportedMediaType},
		{"application/json-patch+json", "4.0.1", bodyJSONPatch, 0},
		{"application/x-www-form-urlencoded", "4.0.1", bodyForm, 0},
		{"application/fhir+xml", "4.0.1", 0, http.StatusUnsupportedMediaType},
		{"text/plain", "4.0.1", 0, http.StatusUnsupportedMediaType},
		{"garbage;;=", "4.0.1", 0, http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			got, err := bodyContentType(tt.ct, tt.release)
			status := 0
			if err != nil {
				status = err.Status
			}
			if got != tt.want || status != tt.status {
				t.Errorf("bodyContentType(%q) = %v, %d; want %v, %d", tt.ct, got, status, tt.want, tt.status)
			}
		})
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add("json", "application/fhir+json;q=0.9;fhirVersion=4.0")
	f.Add("", "a/b;;;,,*/*;q=x")
	f.Fuzz(func(t *testing.T, format, accept string) {
		if err := negotiateResponse(format, accept, "4.0.1"); err != nil && err.Status != http.StatusNotAcceptable {
			t.Fatalf("unexpected status %d", err.Status)
		}
		if _, err := bodyContentType(accept, "4.0.1"); err != nil && err.Status != http.StatusUnsupportedMediaType {
			t.Fatalf("unexpected status %d", err.Status)
		}
	})
}
