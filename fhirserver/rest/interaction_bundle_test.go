package rest

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestWithEntry(t *testing.T) {
	in := &outcome.Error{Status: 400, Issues: []outcome.Issue{
		{Code: outcome.CodeInvalid, Expression: []string{"Patient.name[0].given"}},
		{Code: outcome.CodeInvalid},
		{Code: outcome.CodeInvalid, Expression: []string{"Patient", "request.url", "Bundle.entry[1].request"}},
	}}
	got, _ := outcome.As(withEntry(in, 3))
	want := [][]string{
		{"Bundle.entry[3].resource.name[0].given"},
		{"Bundle.entry[3]"},
		{"Bundle.entry[3].resource", "Bundle.entry[3].request.url", "Bundle.entry[1].request"},
	}
	for i, is := range got.Issues {
		if !reflect.DeepEqual(is.Expression, want[i]) {
			t.Errorf("issue %d: %q, want %q", i, is.Expression, want[i])
		}
	}
	if in.Issues[0].Expression[0] != "Patient.name[0].given" {
		t.Error("withEntry modified its input")
	}
}

func TestParseEntry(t *testing.T) {
	e := newEnv(t, versions[0])
	tests := []struct {
		name, entry string
		status      int
		kind        routeKind
	}{
		{"relative", `{"request":{"method":"GET","url":"Patient/1"}}`, 0, routeInstance},
		{"absolute on this server", `{"request":{"method":"GET","url":"` + e.h.base + `/Patient/1/_history/2"}}`, 0, routeVersion},
		{"search", `{"request":{"method":"GET","url":"Patient?name=x"}}`, 0, routeType},
		{"system search", `{"request":{"method":"GET","url":"?_type=Patient"}}`, 0, routeBase},
		{"other server", `{"request":{"method":"GET","url":"http://elsewhere/fhir/Patient/1"}}`, http.StatusBadRequest, 0},
		{"base", `{"request":{"method":"POST","url":""},"resource":{"resourceType":"Bundle"}}`, http.StatusBadRequest, 0},
		{"unknown type", `{"request":{"method":"GET","url":"Unicorn/1"}}`, http.StatusNotFound, 0},
		{"post without resource", `{"request":{"method":"POST","url":"Patient"}}`, http.StatusBadRequest, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en, err := e.h.parseEntry(0, mustParse(t, tt.entry))
			if tt.status != 0 {
				oe, ok := outcome.As(err)
				if !ok || oe.Status != tt.status {
					t.Fatalf("err %v, want status %d", err, tt.status)
				}
				return
			}
			if err != nil || en.Route.Kind != tt.kind {
				t.Fatalf("entry %+v err %v", en, err)
			}
		})
	}
}

// TestBatchWithInvalidEntry: a batch entry whose resource fails validation
// fails alone (400 in the batch-response); a transaction, a Bundle that is
// itself invalid and a body that is not JSON are still refused whole.
func TestBatchWithInvalidEntry(t *testing.T) {
	e := newEnv(t, versions[0])
	good := `{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient"}}`
	bad := `{"request":{"method":"POST","url":"Patient"},"resource":{"resourceType":"Patient","gender":7}}`
	tests := []struct {
		name    string
		body    string
		status  int
		entries []string // status prefixes of the response entries
	}{
		{"batch", bundleOf("batch", good, bad, good), 200, []string{"201", "400", "201"}},
		{"transaction", bundleOf("transaction", good, bad), 400, nil},
		{"invalid Bundle", `{"resourceType":"Bundle","type":"batch","total":"many","entry":[` + good + `]}`, 400, nil},
		{"not JSON", `{"resourceType":"Bundle","type":"batch","entry":[` + good, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/fhir", tt.body)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.entries == nil {
				return
			}
			got := entries(r.json(t))
			if len(got) != len(tt.entries) {
				t.Fatalf("%d entries, want %d: %s", len(got), len(tt.entries), r.Body)
			}
			for i, want := range tt.entries {
				resp := got[i].Get("response")
				if s := resp.Str("status"); len(s) < 3 || s[:3] != want {
					t.Errorf("entry %d: status %q, want %s", i, s, want)
				}
				if want == "400" && resp.Get("outcome") == nil {
					t.Errorf("entry %d: no outcome", i)
				}
			}
		})
	}
}
