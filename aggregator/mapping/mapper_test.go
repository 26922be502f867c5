package mapping

import (
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// ruleCase is one table row of the rule tests: a STU3 resource (a snippet
// of an official example) and its expected R4 form.
type ruleCase struct {
	name, in, want string
}

// runRuleCases maps each case and compares the output exactly (member
// order included: the output is deterministic).
func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	m := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := fhirjson.Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("input: %v", err)
			}
			want, err := fhirjson.Parse([]byte(tc.want))
			if err != nil {
				t.Fatalf("want: %v", err)
			}
			before := in.Clone()
			out, err := m.STU3ToR4(in)
			if err != nil {
				t.Fatal(err)
			}
			if !out.Equal(want) {
				t.Errorf("got  %s\nwant %s", fhirjson.Marshal(out), fhirjson.Marshal(want))
			}
			if !in.Equal(before) {
				t.Error("the input was changed")
			}
		})
	}
}

func TestSTU3ToR4Errors(t *testing.T) {
	for _, tc := range []struct{ name, in, path string }{
		{"not an object", `[]`, "$this"},
		{"unknown type", `{"resourceType":"Nope"}`, "Nope"},
		{"type R4 dropped", `{"resourceType":"DataElement","status":"draft"}`, "DataElement"},
		{"unknown element", `{"resourceType":"Patient","nickname":"Bob"}`, "Patient.nickname"},
		{"unknown nested element", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"component":[{"code":{"text":"y"},"colour":1}]}`, "Observation.component[0].colour"},
		{"contained type R4 dropped", `{"resourceType":"Patient","contained":[{"resourceType":"BodySite","id":"b"}]}`, "Patient.contained[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := fhirjson.Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			_, err = STU3ToR4(v)
			var me *Error
			if !errors.As(err, &me) || me.Path != tc.path {
				t.Fatalf("error = %v, want one at %s", err, tc.path)
			}
		})
	}
}

func TestSTU3ToR4IsDeterministic(t *testing.T) {
	in, _ := fhirjson.Parse([]byte(`{"resourceType":"Condition","clinicalStatus":"active","assertedDate":"2014-10-09","abatementBoolean":true,"subject":{"reference":"Patient/1"}}`))
	first, err := STU3ToR4(in)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, _ := STU3ToR4(in)
		if !again.Equal(first) {
			t.Fatalf("output differs between runs:\n%s\n%s", fhirjson.Marshal(first), fhirjson.Marshal(again))
		}
	}
}
