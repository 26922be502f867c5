package rest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

func TestSmoke(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient","name":[{"family":"Chalmers"}]}`)
			r := e.do("GET", "/fhir/Patient/"+id, "")
			if r.Status != http.StatusOK {
				t.Fatalf("read: %d %s", r.Status, r.Body)
			}
			t.Logf("%s %v", r.Body, r.Header)
		})
	}
}

// FuzzServeHTTP: nothing a client sends may cause a 500 or a panic, and
// every error is an OperationOutcome.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct{ method, target, ctype, body string }{
		{"GET", "/fhir/Patient/1?_summary=true&_elements=name", "", ""},
		{"POST", "/fhir/Patient", "application/fhir+json", `{"resourceType":"Patient","name":[{"family":"x"}]}`},
		{"PUT", "/fhir/Patient/a", "application/fhir+json", `{"resourceType":"Patient","id":"a"}`},
		{"PATCH", "/fhir/Patient/a", "application/json-patch+json", `[{"op":"add","path":"/active","value":true}]`},
		{"PATCH", "/fhir/Patient/a", "application/fhir+json", `{"resourceType":"Parameters","parameter":[{"name":"operation","part":[{"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.active"}]}]}`},
		{"DELETE", "/fhir/Patient?name=x", "", ""},
		{"POST", "/fhir", "application/fhir+json", `{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]}`},
		{"POST", "/fhir", "application/fhir+json", `{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Patient/a/_history"}}]}`},
		{"GET", "/fhir/_history?_since=2020&_count=2&_cursor=x", "", ""},
		{"GET", "/fhir/$changes?_cursor=&_wait=0", "", ""},
		{"GET", "/fhir/metadata?_format=xml", "", ""},
		{"POST", "/fhir/Patient/_search", "application/x-www-form-urlencoded", "name=x&_count=1"},
		{"GET", "/fhir/Patient/a/Observation", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.ctype, s.body)
	}
	st, err := storage.Open(f.TempDir(), storage.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	h, err := New(Config{Version: versions[0], Store: st, Searcher: &fakeSearch{store: st}, BaseURL: "http://fuzz.example"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, ctype, body string) {
		if !validMethod(method) || !strings.HasPrefix(target, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://fuzz.example"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s (%s) %q → %d %s", method, target, ctype, body, rec.Code, rec.Body.Bytes())
		}
		if rec.Code >= 400 {
			v, err := fhirjson.Parse(rec.Body.Bytes())
			if err != nil || v.Str("resourceType") != "OperationOutcome" {
				t.Fatalf("%d without an OperationOutcome: %s", rec.Code, rec.Body.Bytes())
			}
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return true
	}
	return false
}
