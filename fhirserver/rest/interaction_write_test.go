package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestCreate(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			r := e.do("POST", "/fhir/Patient", `{"resourceType":"Patient","id":"client","meta":{"versionId":"7","lastUpdated":"2000-01-01T00:00:00Z","tag":[{"code":"t"}]},"birthDate":"1974-12-25"}`)
			if r.Status != http.StatusCreated {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			v := r.json(t)
			id := v.Str("id")
			if id == "client" || !validID(id) {
				t.Errorf("server must assign the id, got %q", id)
			}
			meta := v.Get("meta")
			if meta.Str("versionId") != "1" || strings.HasPrefix(meta.Str("lastUpdated"), "2000") || meta.Get("tag") == nil {
				t.Errorf("meta not server-owned or tag lost: %s", r.Body)
			}
			if loc := r.Header.Get("Location"); loc != e.srv.URL+"/fhir/Patient/"+id+"/_history/1" {
				t.Errorf("Location %q", loc)
			}
			if r.Header.Get("ETag") != `W/"1"` || r.Header.Get("Last-Modified") == "" {
				t.Errorf("headers %v", r.Header)
			}

			tests := []struct {
				name   string
				path   string
				body   string
				hdr    []string
				status int
				code   string
				check  func(t *testing.T, r resp)
			}{
				{name: "return=minimal", path: "/fhir/Patient", body: `{"resourceType":"Patient"}`, hdr: []string{"Prefer: return=minimal"}, status: 201, check: func(t *testing.T, r resp) {
					if len(r.Body) != 0 || r.Header.Get("Location") == "" {
						t.Errorf("minimal: body %q, Location %q", r.Body, r.Header.Get("Location"))
					}
				}},
				{name: "return=OperationOutcome", path: "/fhir/Patient", body: `{"resourceType":"Patient"}`, hdr: []string{"Prefer: return=OperationOutcome"}, status: 201, check: func(t *testing.T, r resp) {
					if issueCode(t, r) != "informational" {
						t.Errorf("outcome %s", r.Body)
					}
				}},
				{name: "type mismatch", path: "/fhir/Patient", body: `{"resourceType":"Observation"}`, status: 400, code: "invalid"},
				{name: "not json", path: "/fhir/Patient", body: `{"resourceType":`, status: 400, code: "structure"},
				{name: "empty body", path: "/fhir/Patient", body: ` `, status: 400},
				{name: "no resourceType", path: "/fhir/Patient", body: `{"id":"x"}`, status: 400},
				{name: "xml body", path: "/fhir/Patient", body: `<Patient/>`, hdr: []string{"Content-Type: application/fhir+xml"}, status: 415},
				{name: "other fhirVersion body", path: "/fhir/Patient", body: `{"resourceType":"Patient"}`, hdr: []string{"Content-Type: application/fhir+json; fhirVersion=" + otherVersion(ver.Name)}, status: 415},
				{name: "plain json body", path: "/fhir/Patient", body: `{"resourceType":"Patient"}`, hdr: []string{"Content-Type: application/json"}, status: 201},
				{name: "too large", path: "/fhir/Patient", body: `{"resourceType":"Patient","text":{"div":"` + strings.Repeat("x", 2<<20) + `"}}`, status: 413, code: "too-long"},
				{name: "too deep", path: "/fhir/Patient", body: `{"resourceType":"Patient","extension":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, status: 400},
				{name: "unknown type", path: "/fhir/Unicorn", body: `{"resourceType":"Unicorn"}`, status: 404},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do("POST", tt.path, tt.body, tt.hdr...)
					if r.Status != tt.status {
						t.Fatalf("status %d, want %d: %.300s", r.Status, tt.status, r.Body)
					}
					if tt.code != "" && issueCode(t, r) != tt.code {
						t.Errorf("issue code %q, want %q", issueCode(t, r), tt.code)
					}
					if tt.check != nil {
						tt.check(t, r)
					}
				})
			}
		})
	}
}

func TestConditionalCreate(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			body := `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"1"}]}`
			first := e.do("POST", "/fhir/Patient", body, "If-None-Exist: identifier=urn:s|1")
			if first.Status != 201 {
				t.Fatalf("first: %d %s", first.Status, first.Body)
			}
			again := e.do("POST", "/fhir/Patient", body, "If-None-Exist: identifier=urn:s|1")
			if again.Status != 200 || again.json(t).Str("id") != first.json(t).Str("id") {
				t.Fatalf("second: %d %s", again.Status, again.Body)
			}
			e.create("Patient", body)
			multi := e.do("POST", "/fhir/Patient", body, "If-None-Exist: identifier=urn:s|1")
			if multi.Status != 412 || issueCode(t, multi) != "multiple-matches" {
				t.Fatalf("multiple: %d %s", multi.Status, multi.Body)
			}
			if bad := e.do("POST", "/fhir/Patient", body, "If-None-Exist: %zz"); bad.Status != 400 {
				t.Errorf("malformed If-None-Exist: %d", bad.Status)
			}
		})
	}
}

// TestConditionalCreateRace: 50 concurrent identical conditional creates
// make exactly one resource, because the match runs in the serial write
// section.
func TestConditionalCreateRace(t *testing.T) {
	e := newEnv(t, versions[0])
	const n = 50
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.srv.URL+"/fhir/Patient", strings.NewReader(`{"resourceType":"Patient","identifier":[{"system":"urn:race","value":"x"}]}`))
			req.Header.Set("Content-Type", "application/fhir+json")
			req.Header.Set("If-None-Exist", "identifier=urn:race|x")
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		switch s {
		case 201:
			created++
		case 200:
		default:
			t.Errorf("status %d", s)
		}
	}
	r := e.do("GET", "/fhir/Patient?identifier=urn:race|x", "")
	if created != 1 || r.json(t).Get("total").Text != "1" {
		t.Fatalf("created %d, search %s", created, r.Body)
	}
}

func TestUpdate(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient","active":true}`)
			body := func(id string, extra string) string {
				return `{"resourceType":"Patient","id":"` + id + `"` + extra + `}`
			}
			tests := []struct {
				name   string
				path   string
				body   string
				hdr    []string
				status int
				etag   string
				code   string
			}{
				{name: "update", path: "/fhir/Patient/" + id, body: body(id, `,"active":false`), status: 200, etag: `W/"2"`},
				{name: "If-Match current", path: "/fhir/Patient/" + id, body: body(id, ""), hdr: []string{`If-Match: W/"2"`}, status: 200, etag: `W/"3"`},
				{name: "If-Match stale", path: "/fhir/Patient/" + id, body: body(id, ""), hdr: []string{`If-Match: W/"1"`}, status: 412},
				{name: "If-Match garbage", path: "/fhir/Patient/" + id, body: body(id, ""), hdr: []string{`If-Match: W/"x"`}, status: 412},
				// The body's meta.versionId is the server's and ignored (FHIR
				// http.html#update); only If-Match makes an update version-aware.
				{name: "stale meta.versionId", path: "/fhir/Patient/" + id, body: body(id, `,"meta":{"versionId":"1"}`), status: 200, etag: `W/"4"`},
				{name: "current meta.versionId", path: "/fhir/Patient/" + id, body: body(id, `,"meta":{"versionId":"4"}`), status: 200, etag: `W/"5"`},
				{name: "future meta.versionId", path: "/fhir/Patient/" + id, body: body(id, `,"meta":{"versionId":"99"}`), status: 200, etag: `W/"6"`},
				{name: "id mismatch", path: "/fhir/Patient/" + id, body: body("other", ""), status: 400, code: "invalid"},
				{name: "id missing", path: "/fhir/Patient/" + id, body: `{"resourceType":"Patient"}`, status: 400, code: "required"},
				{name: "type mismatch", path: "/fhir/Patient/" + id, body: `{"resourceType":"Group","id":"` + id + `"}`, status: 400},
				{name: "create on update", path: "/fhir/Patient/client-id.1", body: body("client-id.1", ""), status: 201, etag: `W/"1"`},
				{name: "invalid id in URL", path: "/fhir/Patient/bad_id", body: body("bad_id", ""), status: 404},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do("PUT", tt.path, tt.body, tt.hdr...)
					if r.Status != tt.status {
						t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
					}
					if tt.etag != "" && r.Header.Get("ETag") != tt.etag {
						t.Errorf("ETag %q, want %q", r.Header.Get("ETag"), tt.etag)
					}
					if tt.code != "" && issueCode(t, r) != tt.code {
						t.Errorf("code %q, want %q", issueCode(t, r), tt.code)
					}
					if r.Status == 201 && !strings.HasSuffix(r.Header.Get("Location"), "/_history/1") {
						t.Errorf("Location %q", r.Header.Get("Location"))
					}
					if r.Status == 200 && r.Header.Get("Content-Location") == "" {
						t.Error("no Content-Location on update")
					}
				})
			}
		})
	}
}

func TestConditionalUpdateAndDelete(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			pat := func(v string) string {
				return `{"resourceType":"Patient","identifier":[{"system":"urn:s","value":"` + v + `"}]}`
			}
			r := e.do("PUT", "/fhir/Patient?identifier=urn:s|a", pat("a"))
			if r.Status != 201 {
				t.Fatalf("no match → create: %d %s", r.Status, r.Body)
			}
			id := r.json(t).Str("id")
			r = e.do("PUT", "/fhir/Patient?identifier=urn:s|a", pat("a"))
			if r.Status != 200 || r.json(t).Str("id") != id || r.Header.Get("ETag") != `W/"2"` {
				t.Fatalf("one match → update: %d %s", r.Status, r.Body)
			}
			r = e.do("PUT", "/fhir/Patient?identifier=urn:s|a", `{"resourceType":"Patient","id":"zzz"}`)
			if r.Status != 400 {
				t.Fatalf("id differs from match: %d %s", r.Status, r.Body)
			}
			e.create("Patient", pat("a"))
			r = e.do("PUT", "/fhir/Patient?identifier=urn:s|a", pat("a"))
			if r.Status != 412 {
				t.Fatalf("two matches: %d %s", r.Status, r.Body)
			}
			if r = e.do("PUT", "/fhir/Patient", pat("a")); r.Status != 400 {
				t.Fatalf("no criteria: %d %s", r.Status, r.Body)
			}
			// Conditional delete removes every match (conditionalDelete=multiple).
			r = e.do("DELETE", "/fhir/Patient?identifier=urn:s|a", "")
			if r.Status != 204 {
				t.Fatalf("conditional delete: %d %s", r.Status, r.Body)
			}
			if r = e.do("GET", "/fhir/Patient?identifier=urn:s|a", ""); r.json(t).Get("total").Text != "0" {
				t.Fatalf("still there: %s", r.Body)
			}
			if r = e.do("GET", "/fhir/Patient/"+id, ""); r.Status != 410 {
				t.Fatalf("read after conditional delete: %d", r.Status)
			}
			if r = e.do("DELETE", "/fhir/Patient?identifier=urn:s|none", "", "Prefer: return=OperationOutcome"); r.Status != 200 || issueCode(t, r) != "informational" {
				t.Fatalf("conditional delete of nothing: %d %s", r.Status, r.Body)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
			steps := []struct {
				method, path string
				hdr          []string
				status       int
				etag         string
			}{
				{"DELETE", "/fhir/Observation/" + id, []string{`If-Match: W/"9"`}, 412, ""},
				{"DELETE", "/fhir/Observation/" + id, []string{`If-Match: W/"1"`}, 204, `W/"2"`},
				{"GET", "/fhir/Observation/" + id, nil, 410, `W/"2"`},
				{"GET", "/fhir/Observation/" + id + "/_history/2", nil, 410, ""},
				{"GET", "/fhir/Observation/" + id + "/_history/1", nil, 200, `W/"1"`},
				{"DELETE", "/fhir/Observation/" + id, nil, 204, ""},
				{"DELETE", "/fhir/Observation/never", nil, 204, ""},
				{"PUT", "/fhir/Observation/" + id, nil, 201, `W/"3"`},
				{"GET", "/fhir/Observation/" + id, nil, 200, `W/"3"`},
			}
			for i, s := range steps {
				body := ""
				if s.method == "PUT" {
					body = `{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"text":"y"}}`
				}
				r := e.do(s.method, s.path, body, s.hdr...)
				if r.Status != s.status {
					t.Fatalf("step %d %s %s: %d, want %d: %s", i, s.method, s.path, r.Status, s.status, r.Body)
				}
				if s.etag != "" && r.Header.Get("ETag") != s.etag {
					t.Errorf("step %d: ETag %q, want %q", i, r.Header.Get("ETag"), s.etag)
				}
				if s.status == 204 && len(r.Body) != 0 {
					t.Errorf("step %d: 204 with a body", i)
				}
			}
		})
	}
}

func TestMethodsAndPaths(t *testing.T) {
	e := newEnv(t, versions[0])
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/fhir/metadata", 405, "GET, HEAD"},
		{"POST", "/fhir/Patient/1", 405, "GET, HEAD, PUT, PATCH, DELETE"},
		{"PUT", "/fhir", 405, "GET, HEAD, POST"},
		{"GET", "/fhir/Patient/1/_history/1/extra", 404, ""},
		{"GET", "/fhir/no/such/path/here/x", 404, ""},
		{"GET", "/fhir/Patient/1/Unicorn", 404, ""},
		{"GET", "/fhir/Observation/1/Encounter", 404, ""}, // Observation is not a compartment
		{"HEAD", "/fhir/metadata", 200, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.method, " ", tt.path), func(t *testing.T) {
			r := e.do(tt.method, tt.path, "")
			if r.Status != tt.status {
				t.Fatalf("%d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.allow != "" && r.Header.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", r.Header.Get("Allow"), tt.allow)
			}
			if tt.status >= 400 {
				issueCode(t, r)
			}
		})
	}
}

func TestCriteria(t *testing.T) {
	for _, s := range []string{"identifier=a|b", "Patient?identifier=a|b", "?identifier=a|b"} {
		q, err := criteria(s, "Patient", "If-None-Exist")
		if err != nil || q.Get("identifier") != "a|b" {
			t.Errorf("criteria(%q) = %v, %v", s, q, err)
		}
	}
	if _, err := criteria("", "Patient", "x"); err == nil {
		t.Error("empty criteria accepted")
	}
	cond, err := conditionFromQuery(url.Values{"_format": {"json"}, "name": {"x"}}, "x")
	if err != nil || len(cond) != 1 {
		t.Errorf("conditionFromQuery kept %v (%v)", cond, err)
	}
	if _, err := conditionFromQuery(url.Values{"_pretty": {"true"}}, "x"); err == nil {
		t.Error("formatting parameters alone are not criteria")
	}
}

func TestIfMatch(t *testing.T) {
	for in, want := range map[string]int64{"": 0, `W/"3"`: 3, `"4"`: 4} {
		h := http.Header{}
		h.Set("If-Match", in)
		if got, err := ifMatch(h); err != nil || got != want {
			t.Errorf("ifMatch(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{`W/"x"`, `W/"0"`, `*`} {
		h := http.Header{}
		h.Set("If-Match", in)
		if _, err := ifMatch(h); err == nil {
			t.Errorf("ifMatch(%q) accepted", in)
		}
	}
}
