package rest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestReadAndVRead(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient","active":true,"name":[{"family":"Chalmers","given":["Peter"]}],"birthDate":"1974-12-25"}`)
			upd := e.do("PUT", "/fhir/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","active":false}`)
			if upd.Status != http.StatusOK {
				t.Fatalf("update: %d %s", upd.Status, upd.Body)
			}
			lastMod := upd.Header.Get("Last-Modified")
			lm, err := http.ParseTime(lastMod)
			if err != nil {
				t.Fatalf("Last-Modified %q: %v", lastMod, err)
			}
			tests := []struct {
				name   string
				path   string
				hdr    []string
				status int
				etag   string
				check  func(t *testing.T, r resp)
			}{
				{name: "read current", path: "/fhir/Patient/" + id, status: 200, etag: `W/"2"`, check: func(t *testing.T, r resp) {
					v := r.json(t)
					if v.Str("id") != id || v.Get("meta").Str("versionId") != "2" || v.Get("active").Bool {
						t.Errorf("wrong body %s", r.Body)
					}
					if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/fhir+json") {
						t.Errorf("Content-Type %q", ct)
					}
				}},
				{name: "vread 1", path: "/fhir/Patient/" + id + "/_history/1", status: 200, etag: `W/"1"`, check: func(t *testing.T, r resp) {
					if !r.json(t).Get("active").Bool {
						t.Errorf("version 1 should be active: %s", r.Body)
					}
				}},
				{name: "vread missing version", path: "/fhir/Patient/" + id + "/_history/9", status: 404},
				{name: "vread non-numeric version", path: "/fhir/Patient/" + id + "/_history/abc", status: 404},
				{name: "read unknown id", path: "/fhir/Patient/nope", status: 404},
				{name: "read unknown type", path: "/fhir/Patientx/1", status: 404},
				{name: "If-None-Match current", path: "/fhir/Patient/" + id, hdr: []string{`If-None-Match: W/"2"`}, status: 304, etag: `W/"2"`},
				{name: "If-None-Match old", path: "/fhir/Patient/" + id, hdr: []string{`If-None-Match: W/"1"`}, status: 200},
				{name: "If-Modified-Since equal", path: "/fhir/Patient/" + id, hdr: []string{"If-Modified-Since: " + lastMod}, status: 304},
				{name: "If-Modified-Since earlier", path: "/fhir/Patient/" + id, hdr: []string{"If-Modified-Since: " + httpDate(lm.Add(-time.Hour))}, status: 200},
				{name: "pretty", path: "/fhir/Patient/" + id + "?_pretty=true", status: 200, check: func(t *testing.T, r resp) {
					if !strings.Contains(string(r.Body), "\n  \"id\"") {
						t.Errorf("not indented: %s", r.Body)
					}
				}},
				{name: "_pretty invalid", path: "/fhir/Patient/" + id + "?_pretty=yes", status: 400},
				{name: "_format json", path: "/fhir/Patient/" + id + "?_format=json", status: 200},
				{name: "_format xml", path: "/fhir/Patient/" + id + "?_format=xml", status: 406},
				{name: "Accept xml", path: "/fhir/Patient/" + id, hdr: []string{"Accept: application/fhir+xml"}, status: 406},
				{name: "Accept json", path: "/fhir/Patient/" + id, hdr: []string{"Accept: application/json"}, status: 200},
				{name: "Accept other fhirVersion", path: "/fhir/Patient/" + id, hdr: []string{"Accept: application/fhir+json; fhirVersion=" + otherVersion(ver.Name)}, status: 406},
				{name: "Accept own fhirVersion", path: "/fhir/Patient/" + id, hdr: []string{"Accept: application/fhir+json; fhirVersion=" + majorMinor(ver.FHIRVersion)}, status: 200},
				{name: "malformed query", path: "/fhir/Patient/" + id + "?a=%zz", status: 400},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do("GET", tt.path, "", tt.hdr...)
					if r.Status != tt.status {
						t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
					}
					if tt.etag != "" && r.Header.Get("ETag") != tt.etag {
						t.Errorf("ETag %q, want %q", r.Header.Get("ETag"), tt.etag)
					}
					if r.Status >= 400 {
						issueCode(t, r) // every error is an OperationOutcome
					}
					if r.Status == 200 && r.Header.Get("Last-Modified") == "" {
						t.Error("no Last-Modified")
					}
					if tt.check != nil {
						tt.check(t, r)
					}
				})
			}
		})
	}
}

func otherVersion(name string) string {
	if name == "R4" {
		return "3.0"
	}
	return "4.0"
}

func TestReadSummaryAndElements(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},`+
				`"active":true,"name":[{"family":"Chalmers"}],"photo":[{"contentType":"image/png"}],"contact":[{"gender":"male"}]}`)
			tests := []struct {
				query       string
				has, hasnot []string
			}{
				{"_summary=true", []string{"id", "meta", "active", "name"}, []string{"text", "photo", "contact"}},
				{"_summary=text", []string{"id", "meta", "text"}, []string{"active", "name", "photo"}},
				{"_summary=data", []string{"active", "name", "photo", "contact"}, []string{"text"}},
				{"_summary=false", []string{"text", "active", "photo"}, nil},
				{"_elements=name,photo", []string{"id", "meta", "name", "photo"}, []string{"text", "active", "contact"}},
				{"_elements=Patient.active", []string{"active"}, []string{"name"}},
			}
			for _, tt := range tests {
				t.Run(tt.query, func(t *testing.T) {
					r := e.do("GET", "/fhir/Patient/"+id+"?"+tt.query, "")
					if r.Status != 200 {
						t.Fatalf("%d %s", r.Status, r.Body)
					}
					v := r.json(t)
					for _, k := range tt.has {
						if v.Get(k) == nil {
							t.Errorf("%s missing: %s", k, r.Body)
						}
					}
					for _, k := range tt.hasnot {
						if v.Get(k) != nil {
							t.Errorf("%s present: %s", k, r.Body)
						}
					}
					subsetted := strings.Contains(string(r.Body), "SUBSETTED")
					if want := tt.query != "_summary=false"; subsetted != want {
						t.Errorf("SUBSETTED tag present=%v, want %v", subsetted, want)
					}
				})
			}
			if r := e.do("GET", "/fhir/Patient/"+id+"?_summary=maybe", ""); r.Status != 400 {
				t.Errorf("_summary=maybe: %d", r.Status)
			}
		})
	}
}
