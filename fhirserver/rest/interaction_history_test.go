package rest

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// linkURL returns the url of the Bundle link with relation rel, or "".
func bundleLink(b *fhirjson.Value, rel string) string {
	if ls := b.Get("link"); ls != nil {
		for _, l := range ls.Items {
			if l.Str("relation") == rel {
				return l.Str("url")
			}
		}
	}
	return ""
}

func entries(b *fhirjson.Value) []*fhirjson.Value {
	if es := b.Get("entry"); es != nil {
		return es.Items
	}
	return nil
}

// follow GETs an absolute link of the test server.
func (e *env) follow(link string) resp {
	e.t.Helper()
	return e.do("GET", strings.TrimPrefix(link, e.srv.URL), "")
}

func TestHistory(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient","active":true}`)
			mid := time.Now().UTC()
			time.Sleep(5 * time.Millisecond)
			e.do("PUT", "/fhir/Patient/"+id, `{"resourceType":"Patient","id":"`+id+`","active":false}`)
			e.do("DELETE", "/fhir/Patient/"+id, "")
			e.create("Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)

			tests := []struct {
				name    string
				path    string
				status  int
				methods []string // request.method of the entries, newest first
			}{
				{"instance", "/fhir/Patient/" + id + "/_history", 200, []string{"DELETE", "PUT", "POST"}},
				{"type", "/fhir/Patient/_history", 200, []string{"DELETE", "PUT", "POST"}},
				{"system", "/fhir/_history", 200, []string{"POST", "DELETE", "PUT", "POST"}},
				{"since", "/fhir/Patient/" + id + "/_history?_since=" + url.QueryEscape(mid.Format(time.RFC3339Nano)), 200, []string{"DELETE", "PUT"}},
				{"since future", "/fhir/_history?_since=2999-01-01", 200, nil},
				{"at", "/fhir/Patient/" + id + "/_history?_at=" + url.QueryEscape(mid.Format(time.RFC3339Nano)), 200, []string{"POST"}},
				{"bad since", "/fhir/_history?_since=yesterday", 400, nil},
				{"bad count", "/fhir/_history?_count=-1", 400, nil},
				{"unknown instance", "/fhir/Patient/none/_history", 404, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do("GET", tt.path, "")
					if r.Status != tt.status {
						t.Fatalf("%d, want %d: %s", r.Status, tt.status, r.Body)
					}
					if r.Status != 200 {
						issueCode(t, r)
						return
					}
					b := r.json(t)
					if b.Str("type") != "history" {
						t.Fatalf("not a history bundle: %s", r.Body)
					}
					var got []string
					for _, en := range entries(b) {
						got = append(got, en.Get("request").Str("method"))
						if en.Str("fullUrl") == "" || en.Get("response").Str("etag") == "" {
							t.Errorf("entry lacks fullUrl or etag: %s", fhirjson.Marshal(en))
						}
						if (en.Get("resource") == nil) != (en.Get("request").Str("method") == "DELETE") {
							t.Errorf("a deletion has no resource, others do: %s", fhirjson.Marshal(en))
						}
					}
					if strings.Join(got, ",") != strings.Join(tt.methods, ",") {
						t.Errorf("methods %v, want %v", got, tt.methods)
					}
				})
			}

			// Paging: _count=1 walks every version once, newest first.
			var seen []string
			link := "/fhir/Patient/" + id + "/_history?_count=1"
			for page := 0; link != "" && page < 10; page++ {
				r := e.follow(link)
				b := r.json(t)
				for _, en := range entries(b) {
					seen = append(seen, en.Get("response").Str("etag"))
				}
				link = bundleLink(b, "next")
			}
			if strings.Join(seen, " ") != `W/"3" W/"2" W/"1"` {
				t.Errorf("paged etags %v", seen)
			}
			// _elements applies to every resource of a history page.
			for _, en := range entries(e.do("GET", "/fhir/Patient/"+id+"/_history?_elements=id", "").json(t)) {
				if res := en.Get("resource"); res != nil && (res.Get("active") != nil || !strings.Contains(string(fhirjson.Marshal(res)), "SUBSETTED")) {
					t.Errorf("_elements not applied: %s", fhirjson.Marshal(res))
				}
			}
			if r := e.do("GET", "/fhir/_history?_cursor=garbage", ""); r.Status != 400 {
				t.Errorf("bad cursor: %d %s", r.Status, r.Body)
			}
		})
	}
}
