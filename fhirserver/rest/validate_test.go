package rest

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestValidate(t *testing.T) {
	e := newEnv(t, versions[0])
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
	}
	for _, tt := range tests {
		_, err := e.h.validate([]byte(tt.body))
		if (err == nil) != tt.ok {
			t.Errorf("validate(%s) = %v", tt.body, err)
		}
		if err != nil {
			if oe, ok := outcome.As(err); !ok || oe.Status != 400 {
				t.Errorf("validate(%s): %v is not a 400 outcome", tt.body, err)
			}
		}
	}
}
