package rest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestSearchRendering(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			a := e.create("Patient", `{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a</div>"},"name":[{"family":"Alpha"}],"photo":[{"contentType":"image/png"}]}`)
			e.create("Patient", `{"resourceType":"Patient","name":[{"family":"Beta"}]}`)
			e.create("Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
			tests := []struct {
				name   string
				method string
				path   string
				body   string
				hdr    []string
				status int
				ids    int
				check  func(t *testing.T, b *fhirjson.Value)
			}{
				{name: "type GET", method: "GET", path: "/fhir/Patient?family=alp", status: 200, ids: 1, check: func(t *testing.T, b *fhirjson.Value) {
					en := entries(b)[0]
					if en.Str("fullUrl") != e.srv.URL+"/fhir/Patient/"+a || en.Get("search").Str("mode") != "match" {
						t.Errorf("entry %s", fhirjson.Marshal(en))
					}
					if self := bundleLink(b, "self"); !strings.HasPrefix(self, e.srv.URL+"/fhir/Patient?") || !strings.Contains(self, "family=alp") {
						t.Errorf("self %q", self)
					}
				}},
				{name: "type _search POST form", method: "POST", path: "/fhir/Patient/_search", body: "family=bet", hdr: []string{"Content-Type: application/x-www-form-urlencoded"}, status: 200, ids: 1},
				{name: "POST _search needs a form", method: "POST", path: "/fhir/Patient/_search", body: `{"x":1}`, status: 415},
				{name: "all patients", method: "GET", path: "/fhir/Patient", status: 200, ids: 2},
				{name: "system _type", method: "GET", path: "/fhir?_type=Patient,Observation", status: 200, ids: 3, check: func(t *testing.T, b *fhirjson.Value) {
					if !strings.Contains(bundleLink(b, "self"), "_type=") {
						t.Errorf("self link lost _type: %s", bundleLink(b, "self"))
					}
				}},
				{name: "system _search", method: "POST", path: "/fhir/_search?_type=Observation", status: 200, ids: 1},
				{name: "system unknown _type", method: "GET", path: "/fhir?_type=Unicorn", status: 400},
				{name: "summary true", method: "GET", path: "/fhir/Patient?_id=" + a + "&_summary=true", status: 200, ids: 1, check: func(t *testing.T, b *fhirjson.Value) {
					res := entries(b)[0].Get("resource")
					if res.Get("photo") != nil || res.Get("text") != nil || res.Get("name") == nil {
						t.Errorf("summary %s", fhirjson.Marshal(res))
					}
				}},
				{name: "elements", method: "GET", path: "/fhir/Patient?_id=" + a + "&_elements=photo", status: 200, ids: 1, check: func(t *testing.T, b *fhirjson.Value) {
					res := entries(b)[0].Get("resource")
					if res.Get("photo") == nil || res.Get("name") != nil {
						t.Errorf("elements %s", fhirjson.Marshal(res))
					}
				}},
				{name: "summary count", method: "GET", path: "/fhir/Patient?_summary=count", status: 200, ids: 0, check: func(t *testing.T, b *fhirjson.Value) {
					if b.Get("total").Text != "2" {
						t.Errorf("total %s", fhirjson.Marshal(b))
					}
				}},
				{name: "pretty bundle", method: "GET", path: "/fhir/Patient?_pretty=true", status: 200, ids: 2},
				{name: "compartment", method: "GET", path: "/fhir/Patient/" + a + "/Observation", status: 200},
				{name: "compartment of a non-compartment", method: "GET", path: "/fhir/Observation/x/Patient", status: 404},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do(tt.method, tt.path, tt.body, tt.hdr...)
					if r.Status != tt.status {
						t.Fatalf("%d, want %d: %s", r.Status, tt.status, r.Body)
					}
					if r.Status != 200 {
						issueCode(t, r)
						return
					}
					b := r.json(t)
					if b.Str("type") != "searchset" {
						t.Fatalf("not a searchset: %s", r.Body)
					}
					if tt.ids >= 0 && len(entries(b)) != tt.ids && tt.name != "compartment" {
						t.Errorf("%d entries, want %d: %s", len(entries(b)), tt.ids, r.Body)
					}
					if tt.check != nil {
						tt.check(t, b)
					}
				})
			}
		})
	}
}

func TestLinkURLKeepsCursorOpaque(t *testing.T) {
	e := newEnv(t, versions[0])
	c := &call{h: e.h, query: url.Values{"_format": {"json"}}}
	c.r, _ = newGet("/fhir/Patient/_search")
	got := e.h.linkURL(c, url.Values{"name": {"a b"}}, "c&d=1")
	want := e.srv.URL + "/fhir/Patient?_cursor=c%26d%3D1&_format=json&name=a+b"
	if got != want {
		t.Errorf("linkURL = %q, want %q", got, want)
	}
}
