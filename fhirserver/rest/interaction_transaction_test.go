package rest

import (
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func bundleOf(typ string, entries ...string) string {
	return `{"resourceType":"Bundle","type":"` + typ + `","entry":[` + strings.Join(entries, ",") + `]}`
}

func TestTransaction(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			orgID := e.create("Organization", `{"resourceType":"Organization","identifier":[{"system":"urn:org","value":"acme"}],"name":"Acme"}`)
			oldID := e.create("Patient", `{"resourceType":"Patient","identifier":[{"system":"urn:p","value":"old"}]}`)
			updID := e.create("Patient", `{"resourceType":"Patient","identifier":[{"system":"urn:p","value":"upd"}]}`)
			patient := `{"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient",` +
				`"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a\">me</a></div>"},` +
				`"managingOrganization":{"reference":"Organization?identifier=urn:org|acme"}},"request":{"method":"POST","url":"Patient"}}`
			obs := `{"fullUrl":"urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},` +
				`"subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"}},"request":{"method":"POST","url":"Observation"}}`
			del := `{"request":{"method":"DELETE","url":"Patient/` + oldID + `"}}`
			put := `{"resource":{"resourceType":"Patient","id":"` + updID + `","active":true},"request":{"method":"PUT","url":"Patient/` + updID + `"}}`
			get := `{"request":{"method":"GET","url":"Patient/` + updID + `"}}`
			condCreate := `{"resource":{"resourceType":"Organization","name":"dup"},"request":{"method":"POST","url":"Organization","ifNoneExist":"identifier=urn:org|acme"}}`
			r := e.do("POST", "/fhir", bundleOf("transaction", get, obs, put, patient, del, condCreate))
			if r.Status != 200 {
				t.Fatalf("transaction: %d %s", r.Status, r.Body)
			}
			b := r.json(t)
			if b.Str("type") != "transaction-response" || len(entries(b)) != 6 {
				t.Fatalf("response: %s", r.Body)
			}
			statuses := []string{}
			for _, en := range entries(b) {
				statuses = append(statuses, en.Get("response").Str("status"))
			}
			want := []string{"200 OK", "201 Created", "200 OK", "201 Created", "204 No Content", "200 OK"}
			if strings.Join(statuses, ",") != strings.Join(want, ",") {
				t.Errorf("statuses %v, want %v", statuses, want)
			}
			// The GET ran after the PUT (reads come last).
			if !entries(b)[0].Get("resource").Get("active").Bool {
				t.Errorf("GET saw the state before the transaction: %s", fhirjson.Marshal(entries(b)[0]))
			}
			// References were rewritten to the assigned ids, in narrative too.
			obsLoc := entries(b)[1].Get("response").Str("location")
			patLoc := entries(b)[3].Get("response").Str("location")
			patRef, _, _ := strings.Cut(patLoc, "/_history")
			obsRef, _, _ := strings.Cut(obsLoc, "/_history")
			o := e.do("GET", "/fhir/"+obsRef, "").json(t)
			if got := o.Get("subject").Str("reference"); got != patRef {
				t.Errorf("subject %q, want %q", got, patRef)
			}
			p := e.do("GET", "/fhir/"+patRef, "").json(t)
			if got := p.Get("managingOrganization").Str("reference"); got != "Organization/"+orgID {
				t.Errorf("conditional reference resolved to %q", got)
			}
			if div := p.Get("text").Str("div"); !strings.Contains(div, `href="`+patRef+`"`) {
				t.Errorf("narrative not rewritten: %s", div)
			}
			if e.do("GET", "/fhir/Patient/"+oldID, "").Status != 410 {
				t.Error("the DELETE entry did not delete")
			}
			if got := entries(b)[5].Get("resource").Str("id"); got != orgID {
				t.Errorf("conditional create made %q, want existing %q", got, orgID)
			}
		})
	}
}

func TestTransactionIsAtomic(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			before := len(entries(e.do("GET", "/fhir/_history", "").json(t)))
			good := `{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}`
			tests := []struct {
				name, entry string
				status      int
				expr        string
			}{
				{"invalid resource", `{"resource":{"resourceType":"Patient","id":"a"},"request":{"method":"PUT","url":"Patient/b"}}`, 400, "Bundle.entry[2].resource.id"},
				// Entries' resources are validated with the Bundle, once; the
				// write uses that tree, checking its type against request.url.
				{"unknown element in a resource", `{"resource":{"resourceType":"Patient","unicorn":1},"request":{"method":"POST","url":"Patient"}}`, 400, "Bundle.entry[2].resource.unicorn"},
				{"resource of another type", `{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}},"request":{"method":"POST","url":"Patient"}}`, 400, "Bundle.entry[2].resource.resourceType"},
				{"missing request", `{"resource":{"resourceType":"Patient"}}`, 400, "Bundle.entry[2].request"},
				{"bad method", `{"resource":{"resourceType":"Patient"},"request":{"method":"FLY","url":"Patient"}}`, 400, "Bundle.entry[2].request.method"},
				{"unknown type", `{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Unicorn"}}`, 404, ""},
				{"If-Match fails", `{"resource":{"resourceType":"Patient","id":"x"},"request":{"method":"PUT","url":"Patient/x","ifMatch":"W/\"4\""}}`, 412, "Bundle.entry[2]"},
				{"unresolved conditional reference", `{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient?identifier=none"}},"request":{"method":"POST","url":"Observation"}}`, 412, "Bundle.entry[2]"},
				{"same resource twice", `{"resource":{"resourceType":"Patient","id":"p1"},"request":{"method":"PUT","url":"Patient/p1"}},{"resource":{"resourceType":"Patient","id":"p1"},"request":{"method":"PUT","url":"Patient/p1"}}`, 400, ""},
				{"patch of missing", `{"resource":{"resourceType":"Binary","contentType":"application/json-patch+json",` + binaryData(ver.Name) + `:"W10="},"request":{"method":"PATCH","url":"Patient/none"}}`, 404, "Bundle.entry[2]"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := e.do("POST", "/fhir", bundleOf("transaction", good, good, tt.entry))
					if r.Status != tt.status {
						t.Fatalf("%d, want %d: %s", r.Status, tt.status, r.Body)
					}
					oo := r.json(t)
					if oo.Str("resourceType") != "OperationOutcome" {
						t.Fatalf("not an OperationOutcome: %s", r.Body)
					}
					if tt.expr != "" {
						got := oo.Get("issue").Items[0].Get("expression")
						if got == nil || got.Items[0].Text != tt.expr {
							t.Errorf("expression %s, want %q", fhirjson.Marshal(got), tt.expr)
						}
					}
					if n := len(entries(e.do("GET", "/fhir/_history", "").json(t))); n != before {
						t.Fatalf("a failed transaction wrote %d versions", n-before)
					}
				})
			}
		})
	}
}

func TestBatch(t *testing.T) {
	for _, ver := range versions {
		t.Run(ver.Name, func(t *testing.T) {
			e := newEnv(t, ver)
			id := e.create("Patient", `{"resourceType":"Patient"}`)
			r := e.do("POST", "/fhir", bundleOf("batch",
				`{"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}}`,
				`{"request":{"method":"GET","url":"Patient/`+id+`"}}`,
				`{"request":{"method":"GET","url":"Patient/missing"}}`,
				`{"resource":{"resourceType":"Patient","id":"x"},"request":{"method":"PUT","url":"Patient/y"}}`,
				`{"request":{"method":"DELETE","url":"Patient/`+id+`"}}`,
				`{"request":{"method":"GET","url":"Patient?_id=`+id+`"}}`,
				`{"request":{"method":"GET","url":"Patient/`+id+`/_history/x_y"}}`,
				`{"resource":{"resourceType":"Binary","contentType":"application/json-patch+json",`+binaryData(ver.Name)+`:"W3sib3AiOiJhZGQiLCJwYXRoIjoiL2FjdGl2ZSIsInZhbHVlIjpmYWxzZX1d"},"request":{"method":"PATCH","url":"Patient/`+id+`"}}`,
			))
			if r.Status != 200 {
				t.Fatalf("batch: %d %s", r.Status, r.Body)
			}
			b := r.json(t)
			if b.Str("type") != "batch-response" {
				t.Fatalf("%s", r.Body)
			}
			want := []string{"201", "200", "404", "400", "204", "200", "400", "410"}
			var got []string
			for _, en := range entries(b) {
				s := en.Get("response").Str("status")
				got = append(got, s[:3])
				if s[0] >= '4' && en.Get("response").Get("outcome") == nil {
					t.Errorf("failed entry without outcome: %s", fhirjson.Marshal(en))
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("statuses %v, want %v", got, want)
			}
			if en := entries(b)[0]; en.Get("resource").Str("id") == "" || en.Get("response").Str("etag") != `W/"1"` || en.Str("fullUrl") == "" {
				t.Errorf("created entry: %s", fhirjson.Marshal(en))
			}
			if en := entries(b)[5]; en.Get("resource").Str("type") != "searchset" {
				t.Errorf("search entry: %s", fhirjson.Marshal(en))
			}
			for _, body := range []string{`{"resourceType":"Bundle","type":"collection"}`, `{"resourceType":"Patient"}`} {
				if r := e.do("POST", "/fhir", body); r.Status != 400 {
					t.Errorf("POST %s to the base: %d", body, r.Status)
				}
			}
			if r := e.do("POST", "/fhir", `{"resourceType":"Bundle","type":"batch"}`); r.Status != 200 || r.json(t).Str("type") != "batch-response" {
				t.Errorf("empty batch: %d %s", r.Status, r.Body)
			}
		})
	}
}

// binaryData is the JSON name of a Binary's bytes.
func binaryData(version string) string {
	if version == "STU3" {
		return `"content"`
	}
	return `"data"`
}

func TestTransactionPrefer(t *testing.T) {
	e := newEnv(t, versions[0])
	entry := `{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}`
	tests := []struct {
		prefer              string
		resource, outcomeOK bool
	}{
		{"", true, false},
		{"return=minimal", false, false},
		{"return=OperationOutcome", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.prefer, func(t *testing.T) {
			var hdr []string
			if tt.prefer != "" {
				hdr = []string{"Prefer: " + tt.prefer}
			}
			r := e.do("POST", "/fhir", bundleOf("transaction", entry), hdr...)
			en := entries(r.json(t))[0]
			if (en.Get("resource") != nil) != tt.resource || (en.Get("response").Get("outcome") != nil) != tt.outcomeOK {
				t.Errorf("entry %s", fhirjson.Marshal(en))
			}
			if en.Get("response").Str("location") == "" || en.Get("response").Str("etag") != `W/"1"` {
				t.Errorf("response %s", fhirjson.Marshal(en.Get("response")))
			}
		})
	}
}

func TestHead(t *testing.T) {
	e := newEnv(t, versions[1])
	id := e.create("Patient", `{"resourceType":"Patient"}`)
	for _, p := range []string{"/fhir/Patient/" + id, "/fhir/Patient/" + id + "/_history/1", "/fhir/Patient/_history", "/fhir/metadata"} {
		r := e.do("HEAD", p, "")
		if r.Status != 200 || len(r.Body) != 0 || r.Header.Get("Content-Length") == "0" {
			t.Errorf("HEAD %s: %d, %d body bytes, Content-Length %q", p, r.Status, len(r.Body), r.Header.Get("Content-Length"))
		}
	}
}

// TestTransactionResolvedBeforeWrite covers the path where a bundle of new
// resources linked by urn:uuid is resolved and indexed before the write
// section.
func TestTransactionResolvedBeforeWrite(t *testing.T) {
	for _, ver := range versions {
		e := newEnv(t, ver)
		r := e.do("POST", "/fhir", bundleOf("transaction",
			`{"fullUrl":"urn:uuid:o","resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:p"}},"request":{"method":"POST","url":"Observation"}}`,
			`{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"ignored"},"request":{"method":"POST","url":"Patient"}}`,
			`{"fullUrl":"urn:uuid:q","resource":{"resourceType":"Patient","id":"fixed","link":[{"other":{"reference":"urn:uuid:p"},"type":"seealso"}]},"request":{"method":"PUT","url":"Patient/fixed"}}`))
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", ver.Name, r.Status, r.Body)
		}
		es := entries(r.json(t))
		obs, pat, fixed := es[0].Get("resource"), es[1].Get("resource"), es[2].Get("resource")
		if pat.Str("id") == "ignored" || obs.Get("subject").Str("reference") != "Patient/"+pat.Str("id") ||
			fixed.Get("link").Items[0].Get("other").Str("reference") != "Patient/"+pat.Str("id") || fixed.Str("id") != "fixed" {
			t.Errorf("%s: %s", ver.Name, r.Body)
		}
	}
}
