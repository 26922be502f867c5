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
