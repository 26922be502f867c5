package repository

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestValidate(t *testing.T) {
	r, _ := newRepo(t)
	tests := []struct {
		body string
		ok   bool
	}{
		{`{"resourceType":"Patient"}`, true},
		{`[]`, false},
		{`{"id":"1"}`, false},
		{`{"resourceType":"Unicorn"}`, false},
		{`{"resourceType":"Patient","a":1,"a":2}`, false},
		{`{"resourceType":"Patient"`, false},
		{` `, false},
	}
	for _, tt := range tests {
		_, err := r.ParseResource([]byte(tt.body), "")
		if (err == nil) != tt.ok {
			t.Errorf("ParseResource(%s) = %v", tt.body, err)
		}
		if err != nil {
			if oe, ok := outcome.As(err); !ok || oe.Status != 400 {
				t.Errorf("ParseResource(%s): %v is not a 400 outcome", tt.body, err)
			}
		}
	}
}

// TestSyntaxErrorExpression: a parse error carries the FHIRPath location it
// knows as the issue's expression, with the resource type in front.
func TestSyntaxErrorExpression(t *testing.T) {
	r, _ := newRepo(t)
	tests := []struct {
		name, typ, body, want string
	}{
		{"duplicate key", "Patient", `{"resourceType":"Patient","gender":"male","gender":"female"}`, "Patient.gender"},
		{"nested duplicate key", "Patient", `{"resourceType":"Patient","name":[{"family":"a","family":"b"}]}`, "Patient.name[0].family"},
		{"invalid UTF-8", "Patient", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"\xff\"}]}", "Patient.name[0].family"},
		{"type from the body", "", `{"resourceType":"Bundle","type":"batch","type":"batch"}`, "Bundle.type"},
		{"unknown type in the body", "", `{"resourceType":"Unicorn","a":1,"a":2}`, ""},
		{"top level", "Patient", `{"resourceType":"Patient"} x`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.ParseResource([]byte(tt.body), tt.typ)
			oe, ok := outcome.As(err)
			if !ok || oe.Status != 400 {
				t.Fatalf("%v is not a 400 outcome", err)
			}
			var got string
			if ex := oe.Issues[0].Expression; len(ex) > 0 {
				got = ex[0]
			}
			if got != tt.want {
				t.Errorf("expression %q, want %q (%v)", got, tt.want, err)
			}
		})
	}
}

// TestEntryResource: a transaction entry's resource is taken from the
// validated Bundle's tree itself (no copy, no second parse), and only its
// type is judged, against the entry's request.url.
func TestEntryResource(t *testing.T) {
	r, _ := newRepo(t)
	b, err := r.ParseBatch([]byte(`{"resourceType":"Bundle","type":"transaction","entry":[
		{"resource":{"resourceType":"Patient","gender":"male"},"request":{"method":"POST","url":"Patient"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res := b.Get("entry").Items[0].Get("resource")
	tests := []struct {
		typ  string
		want string // expression of the error; "" for none
	}{
		{"Patient", ""},
		{"", ""},
		{"Observation", "resource.resourceType"}, // relative to the entry, like every finding in its resource
	}
	for _, tt := range tests {
		got, err := r.EntryResource(res, tt.typ)
		if tt.want == "" {
			if err != nil || got != res {
				t.Errorf("EntryResource(%q) = %p, %v; want the entry's own tree %p", tt.typ, got, err, res)
			}
			continue
		}
		oe, ok := outcome.As(err)
		if !ok || oe.Status != 400 || len(oe.Issues) == 0 || oe.Issues[0].Expression == nil || oe.Issues[0].Expression[0] != tt.want {
			t.Errorf("EntryResource(%q) = %v; want a 400 at %s", tt.typ, err, tt.want)
		}
	}
	if _, err := r.EntryResource(nil, "Patient"); err == nil {
		t.Error("EntryResource(nil) accepted no resource")
	}
}
