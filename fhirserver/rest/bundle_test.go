package rest

import (
	"bytes"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// TestBundleEncodings: the spliced compact form and the tree form (used for
// _pretty) are the same document.
func TestBundleEncodings(t *testing.T) {
	b := &bundle{Type: "searchset", Total: 2, Links: []link{{"self", "http://x/fhir/Patient"}}, Entries: []bundleEntry{
		{FullURL: "http://x/fhir/Patient/1", Raw: []byte(`{"resourceType":"Patient","id":"1","x":1.50}`), Search: object("mode", "match")},
		{Resource: mustParse(t, `{"resourceType":"OperationOutcome","issue":[]}`), Search: object("mode", "outcome")},
		{Request: object("method", "DELETE", "url", "Patient/2"), Response: object("status", "410 Gone")},
	}}
	compact, err := b.encodeTo(nil, false)
	if err != nil {
		t.Fatal(err)
	}
	pretty, err := b.encodeTo(nil, true)
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
	// A pooled buffer still holding an earlier, longer page (sendBundle).
	stale := bytes.Repeat([]byte("#"), 3*len(compact))
	again, err := b.encodeTo(stale[:0], false)
	if err != nil || !bytes.Equal(again, compact) {
		t.Errorf("into a used buffer: %s (%v), want %s", again, err, compact)
	}
	empty, _ := (&bundle{Type: "history", Total: -1}).encodeTo(stale[:0], false)
	if string(empty) != `{"resourceType":"Bundle","type":"history"}` {
		t.Errorf("empty bundle %s", empty)
	}
}

// TestHistoryEntryRequest: a history entry names the request that made the
// version; a create with a client's id was a PUT of that id.
func TestHistoryEntryRequest(t *testing.T) {
	e := newEnv(t, versions[0])
	tests := []struct {
		name       string
		rec        storage.Record
		method     string
		url        string
		respStatus string
	}{
		{"create", storage.Record{Type: "Patient", ID: "abcdefghijklmnop", VersionID: 1, Op: storage.OpCreate}, "POST", "Patient", "201 Created"},
		{"create-on-update", storage.Record{Type: "Patient", ID: "put-made", VersionID: 1, Op: storage.OpCreate}, "PUT", "Patient/put-made", "201 Created"},
		{"create-on-update, 16 characters", storage.Record{Type: "Patient", ID: "ABCDEFGHIJKLMNOP", VersionID: 1, Op: storage.OpCreate}, "PUT", "Patient/ABCDEFGHIJKLMNOP", "201 Created"},
		{"update", storage.Record{Type: "Patient", ID: "p", VersionID: 2, Op: storage.OpUpdate}, "PUT", "Patient/p", "200 OK"},
		{"delete", storage.Record{Type: "Patient", ID: "p", VersionID: 3, Op: storage.OpDelete, Deleted: true}, "DELETE", "Patient/p", "410 Gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en := e.h.historyEntry(&tt.rec, nil)
			if m, u := en.Request.Str("method"), en.Request.Str("url"); m != tt.method || u != tt.url {
				t.Errorf("request %s %s, want %s %s", m, u, tt.method, tt.url)
			}
			if s := en.Response.Str("status"); s != tt.respStatus {
				t.Errorf("status %s, want %s", s, tt.respStatus)
			}
		})
	}
}
