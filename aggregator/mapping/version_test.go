package mapping

import (
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestSourceVersion(t *testing.T) {
	for _, tc := range []struct {
		name, cs string
		want     *defs.Version
		errPath  string
	}{
		{"STU3", `{"resourceType":"CapabilityStatement","fhirVersion":"3.0.2"}`, defs.STU3, ""},
		{"STU3 3.0.1", `{"resourceType":"CapabilityStatement","fhirVersion":"3.0.1"}`, defs.STU3, ""},
		{"R4", `{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1"}`, defs.R4, ""},
		{"DSTU2 Conformance", `{"resourceType":"Conformance","fhirVersion":"1.0.2"}`, nil, "CapabilityStatement"},
		{"R5", `{"resourceType":"CapabilityStatement","fhirVersion":"5.0.0"}`, nil, "CapabilityStatement.fhirVersion"},
		{"no version", `{"resourceType":"CapabilityStatement"}`, nil, "CapabilityStatement.fhirVersion"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := fhirjson.Parse([]byte(tc.cs))
			if err != nil {
				t.Fatal(err)
			}
			got, err := SourceVersion(cs)
			var me *Error
			switch {
			case tc.errPath == "" && (err != nil || got != tc.want):
				t.Fatalf("SourceVersion = %v, %v; want %s", got, err, tc.want.Name)
			case tc.errPath != "" && (!errors.As(err, &me) || me.Path != tc.errPath):
				t.Fatalf("error = %v, want one at %s", err, tc.errPath)
			}
		})
	}
}
