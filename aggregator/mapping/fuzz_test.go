package mapping

import (
	"errors"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// FuzzSTU3ToR4 feeds arbitrary JSON to the mapper: whatever a STU3 server
// sends, mapping must not panic, must fail only with an *Error, must leave
// its input alone and must give the same output twice.
func FuzzSTU3ToR4(f *testing.F) {
	for _, s := range []string{
		`{"resourceType":"Patient","animal":{"species":{"text":"dog"}},"_gender":{"id":"g"}}`,
		`{"resourceType":"Observation","related":[{"type":"has-member","target":{}},{"_type":{}}],"comment":"c"}`,
		`{"resourceType":"MedicationRequest","requester":{"agent":{},"onBehalfOf":{},"extension":[]},"substitution":{"allowed":1}}`,
		`{"resourceType":"Immunization","notGiven":true,"practitioner":[{"role":{}}],"vaccinationProtocol":[{"doseSequence":1}],"explanation":{"reason":[{}]}}`,
		`{"resourceType":"Questionnaire","item":[{"option":[{}],"options":{"reference":"x"},"initialString":"a","_initialString":{},"enableWhen":[{"hasAnswer":true}]}]}`,
		`{"resourceType":"DocumentReference","context":{"related":[{"ref":{"reference":"x"}},{"identifier":{}}]},"_extension":{}}`,
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Condition","clinicalStatus":5}}]}`,
	} {
		f.Add([]byte(s))
	}
	m := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := fhirjson.Parse(data)
		if err != nil {
			return
		}
		before := in.Clone()
		out, err := m.STU3ToR4(in)
		if !in.Equal(before) {
			t.Fatal("the input was changed")
		}
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			return
		}
		again, err := m.STU3ToR4(in)
		if err != nil || !again.Equal(out) {
			t.Fatalf("second run differs: %v", err)
		}
	})
}
