package rest

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// TestBundleEncodings: the spliced compact form and the tree form (used for
// _pretty) are the same document.
func TestBundleEncodings(t *testing.T) {
	b := &bundle{Type: "searchset", Total: 2, Links: []link{{"self", "http://x/fhir/Patient"}}, Entries: []bundleEntry{
		{FullURL: "http://x/fhir/Patient/1", Raw: []byte(`{"resourceType":"Patient","id":"1","x":1.50}`), Search: object("mode", "match")},
		{Resource: mustParse(t, `{"resourceType":"OperationOutcome","issue":[]}`), Search: object("mode", "outcome")},
		{Request: object("method", "DELETE", "url", "Patient/2"), Response: object("status", "410 Gone")},
	}}
	compact, err := b.encode(false)
	if err != nil {
		t.Fatal(err)
	}
	pretty, err := b.encode(true)
	if err != nil {
		t.Fatal(err)
	}
	c, p := mustParse(t, string(compact)), mustParse(t, string(pretty))
	if string(fhirjson.Marshal(c)) != string(fhirjson.Marshal(p)) {
		t.Errorf("compact %s\npretty  %s", compact, fhirjson.Marshal(p))
	}
	if c.Get("entry").Items[0].Get("resource").Get("x").Text != "1.50" {
		t.Error("decimal literal changed")
	}
	empty, _ := (&bundle{Type: "history", Total: -1}).encode(false)
	if string(empty) != `{"resourceType":"Bundle","type":"history"}` {
		t.Errorf("empty bundle %s", empty)
	}
}
