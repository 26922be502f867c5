package rest

import (
	"net/http"
	"testing"
)

func TestJSONPatch(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Observation", `{"resourceType":"Observation","status":"preliminary","code":{"text":"x"},"valueQuantity":{"value":1.50,"unit":"mg"}}`)
			jp := "Content-Type: application/json-patch+json"
			tests := []struct {
				name   string
				path   string
				body   string
				hdr    []string
				status int
				check  func(t *testing.T, r resp)
			}{
				{name: "replace keeps decimals", path: "/fhir/Observation/" + id, body: `[{"op":"replace","path":"/status","value":"final"}]`, hdr: []string{jp}, status: 200, check: func(t *testing.T, r resp) {
					v := r.json(t)
					if v.Str("status") != "final" || v.Get("valueQuantity").Get("value").Text != "1.50" || v.Get("meta").Str("versionId") != "2" {
						t.Errorf("patched: %s", r.Body)
					}
					if r.Header.Get("ETag") != `W/"2"` {
						t.Errorf("ETag %q", r.Header.Get("ETag"))
					}
				}},
				{name: "If-Match stale", path: "/fhir/Observation/" + id, body: `[{"op":"replace","path":"/status","value":"final"}]`, hdr: []string{jp, `If-Match: W/"1"`}, status: 412},
				{name: "failed test op", path: "/fhir/Observation/" + id, body: `[{"op":"test","path":"/status","value":"amended"}]`, hdr: []string{jp}, status: 422},
				{name: "result invalid", path: "/fhir/Observation/" + id, body: `[{"op":"replace","path":"/resourceType","value":"Patient"}]`, hdr: []string{jp}, status: 422},
				{name: "id change", path: "/fhir/Observation/" + id, body: `[{"op":"replace","path":"/id","value":"other"}]`, hdr: []string{jp}, status: 422},
				{name: "malformed patch", path: "/fhir/Observation/" + id, body: `{"op":"x"}`, hdr: []string{jp}, status: 400},
				{name: "missing resource", path: "/fhir/Observation/none", body: `[{"op":"remove","path":"/status"}]`, hdr: []string{jp}, status: 404},
				{name: "wrong content type", path: "/fhir/Observation/" + id, body: `[]`, hdr: []string{"Content-Type: text/plain"}, status: 415},
				{name: "conditional patch no match", path: "/fhir/Observation?_id=nope", body: `[{"op":"remove","path":"/status"}]`, hdr: []string{jp}, status: 404},
				{name: "conditional patch", path: "/fhir/Observation?_id=" + id, body: `[{"op":"add","path":"/issued","value":"2020-01-01T00:00:00Z"}]`, hdr: []string{jp}, status: 200},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do("PATCH", tt.path, tt.body, tt.hdr...)
					if r.Status != tt.status {
						t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
					}
					if r.Status >= 400 {
						issueCode(t, r)
					}
					if tt.check != nil {
						tt.check(t, r)
					}
				})
			}
			if r := e.do("DELETE", "/fhir/Observation/"+id, ""); r.Status != 204 {
				t.Fatal(r.Status)
			}
			if r := e.do("PATCH", "/fhir/Observation/"+id, `[{"op":"remove","path":"/status"}]`, jp); r.Status != http.StatusGone {
				t.Fatalf("patch deleted: %d %s", r.Status, r.Body)
			}
		})
	}
}

func fhirPathPatch(ops ...string) string {
	s := `{"resourceType":"Parameters","parameter":[`
	for i, op := range ops {
		if i > 0 {
			s += ","
		}
		s += `{"name":"operation","part":[` + op + `]}`
	}
	return s + `]}`
}

func TestFHIRPathPatch(t *testing.T) {
	e := newEnv(t, versions[0])
	id := e.create("Patient", `{"resourceType":"Patient","active":true,"birthDate":"1970-01-01",`+
		`"identifier":[{"system":"a","value":"1"},{"system":"b","value":"2"}],"name":[{"family":"F","given":["A"]}]}`)
	tests := []struct {
		name   string
		body   string
		status int
		check  func(t *testing.T, r resp)
	}{
		{name: "replace primitive", body: fhirPathPatch(`{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.birthDate"},{"name":"value","valueDate":"1980-02-02"}`), status: 200, check: func(t *testing.T, r resp) {
			if r.json(t).Str("birthDate") != "1980-02-02" {
				t.Errorf("%s", r.Body)
			}
		}},
		{name: "add list element", body: fhirPathPatch(`{"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},{"name":"name","valueString":"telecom"},{"name":"value","valueContactPoint":{"system":"phone","value":"1"}}`), status: 200, check: func(t *testing.T, r resp) {
			tel := r.json(t).Get("telecom")
			if tel == nil || len(tel.Items) != 1 {
				t.Errorf("telecom should be a one-element list: %s", r.Body)
			}
		}},
		{name: "add single element", body: fhirPathPatch(`{"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},{"name":"name","valueString":"gender"},{"name":"value","valueCode":"male"}`), status: 200, check: func(t *testing.T, r resp) {
			if r.json(t).Str("gender") != "male" {
				t.Errorf("%s", r.Body)
			}
		}},
		{name: "delete with where", body: fhirPathPatch(`{"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.identifier.where(system='a')"}`), status: 200, check: func(t *testing.T, r resp) {
			ids := r.json(t).Get("identifier")
			if len(ids.Items) != 1 || ids.Items[0].Str("system") != "b" {
				t.Errorf("%s", r.Body)
			}
		}},
		{name: "insert", body: fhirPathPatch(`{"name":"type","valueCode":"insert"},{"name":"path","valueString":"Patient.identifier"},{"name":"index","valueInteger":0},{"name":"value","valueIdentifier":{"system":"c","value":"3"}}`), status: 200, check: func(t *testing.T, r resp) {
			ids := r.json(t).Get("identifier")
			if len(ids.Items) != 2 || ids.Items[0].Str("system") != "c" {
				t.Errorf("%s", r.Body)
			}
		}},
		{name: "move", body: fhirPathPatch(`{"name":"type","valueCode":"move"},{"name":"path","valueString":"Patient.identifier"},{"name":"source","valueInteger":0},{"name":"destination","valueInteger":1}`), status: 200, check: func(t *testing.T, r resp) {
			ids := r.json(t).Get("identifier")
			if ids.Items[1].Str("system") != "c" {
				t.Errorf("%s", r.Body)
			}
		}},
		{name: "delete absent is fine", body: fhirPathPatch(`{"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.deceased"}`), status: 200},
		{name: "replace of many", body: fhirPathPatch(`{"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.identifier"},{"name":"value","valueIdentifier":{"value":"z"}}`), status: 422},
		{name: "bad path", body: fhirPathPatch(`{"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.(("}`), status: 422},
		{name: "unknown type", body: fhirPathPatch(`{"name":"type","valueCode":"frobnicate"},{"name":"path","valueString":"Patient"}`), status: 422},
		{name: "no operations", body: `{"resourceType":"Parameters"}`, status: 400},
		{name: "invalid result", body: fhirPathPatch(`{"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},{"name":"name","valueString":"resourceType"},{"name":"value","valueString":"x"}`), status: 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("PATCH", "/fhir/Patient/"+id, tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	// STU3 has no FHIRPath Patch.
	s := newEnv(t, versions[1])
	sid := s.create("Patient", `{"resourceType":"Patient"}`)
	if r := s.do("PATCH", "/fhir/Patient/"+sid, fhirPathPatch(`{"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.active"}`)); r.Status != 415 {
		t.Fatalf("STU3 FHIRPath Patch: %d %s", r.Status, r.Body)
	}
}
