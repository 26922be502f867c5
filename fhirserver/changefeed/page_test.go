package changefeed

import (
	"strings"
	"testing"
	"time"
)

const pageOK = `{"resourceType":"Bundle","type":"history",
 "link":[{"relation":"self","url":"http://h/fhir/$changes"},{"relation":"next","url":"http://h/fhir/$changes?_count=2&_cursor=ab-7"}],
 "entry":[
  {"fullUrl":"http://h/fhir/Patient/a","resource":{"resourceType":"Patient","id":"a"},
   "request":{"method":"POST","url":"Patient"},
   "response":{"status":"201 Created","etag":"W/\"1\"","lastModified":"2026-03-01T12:00:00.000001Z","location":"Patient/a/_history/1"}},
  {"fullUrl":"http://h/fhir/Patient/a","request":{"method":"DELETE","url":"Patient/a"},
   "response":{"status":"410 Gone","etag":"W/\"2\"","lastModified":"2026-03-01T12:00:01Z"}}]}`

func TestParsePage(t *testing.T) {
	p, err := parsePage([]byte(pageOK))
	if err != nil {
		t.Fatal(err)
	}
	if p.Next != "ab-7" || len(p.Changes) != 2 {
		t.Fatalf("%+v", p)
	}
	c := p.Changes[0]
	if c.Type != "Patient" || c.ID != "a" || c.VersionID != 1 || c.Op != OpCreate ||
		!c.LastUpdated.Equal(time.Date(2026, 3, 1, 12, 0, 0, 1000, time.UTC)) || string(c.Resource) != `{"resourceType":"Patient","id":"a"}` {
		t.Fatalf("create: %+v", c)
	}
	if d := p.Changes[1]; d.Op != OpDelete || d.VersionID != 2 || d.Resource != nil {
		t.Fatalf("delete: %+v", d)
	}

	bad := []struct{ name, from, to string }{
		{"not JSON", `{"resourceType"`, `[`},
		{"not history", `"type":"history"`, `"type":"searchset"`},
		{"no next link", `"relation":"next"`, `"relation":"previous"`},
		{"fullUrl without id", `"fullUrl":"http://h/fhir/Patient/a","resource"`, `"fullUrl":"Patient/","resource"`},
		{"unknown status", `"201 Created"`, `"204 No Content"`},
		{"etag without version", `"W/\"2\""`, `"W/\"x\""`},
		{"version 0", `"W/\"2\""`, `"W/\"0\""`},
		{"bad lastModified", `"2026-03-01T12:00:01Z"`, `"yesterday"`},
		{"create without resource", `"resource":{"resourceType":"Patient","id":"a"},`, ``},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			body := strings.Replace(pageOK, b.from, b.to, 1)
			if body == pageOK {
				t.Fatal("the case changes nothing")
			}
			if p, err := parsePage([]byte(body)); err == nil {
				t.Fatalf("accepted: %+v", p)
			}
		})
	}
}

// FuzzParsePage: no input panics, and every change of a page that parses
// is complete (type, id, a version, an op, a resource unless a delete).
func FuzzParsePage(f *testing.F) {
	f.Add([]byte(pageOK))
	f.Add([]byte(`{"resourceType":"Bundle","type":"history","link":[{"relation":"next","url":"%zz"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePage(b)
		if err != nil {
			return
		}
		for _, c := range p.Changes {
			if c.Type == "" || c.ID == "" || c.VersionID < 1 || (c.Op == OpDelete) != (c.Resource == nil) {
				t.Fatalf("incomplete change %+v from %s", c, b)
			}
		}
	})
}
