package validation

import (
	"net/http"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// FuzzValidate feeds arbitrary bodies to both versions' validators. Nothing
// may panic; a rejection is a well-formed 400 OperationOutcome within the
// issue cap; an accepted resource written out and validated again is still
// accepted. Seeds: every mutation and valid case of validate_test.go, plus
// testdata/fuzz/FuzzValidate (official examples and hand-made corners).
func FuzzValidate(f *testing.F) {
	for _, m := range mutations {
		f.Add(false, []byte(m.doc))
		f.Add(true, []byte(m.doc))
	}
	vals := map[bool]*Validator{}
	for stu3, v := range map[bool]*defs.Version{false: defs.R4, true: defs.STU3} {
		val, err := New(v)
		if err != nil {
			f.Fatal(err)
		}
		vals[stu3] = val
	}
	f.Fuzz(func(t *testing.T, stu3 bool, data []byte) {
		val := vals[stu3]
		res, oe := val.Validate(data)
		if oe != nil {
			if res != nil {
				t.Fatal("resource returned with an error")
			}
			checkOutcome(t, oe)
			return
		}
		again, oe := val.Validate(fhirjson.Marshal(res))
		if oe != nil {
			t.Fatalf("accepted resource rejected after writing it out: %v", oe)
		}
		if !again.Equal(res) {
			t.Fatal("accepted resource changed when written out and read back")
		}
	})
}

func checkOutcome(t *testing.T, oe *outcome.Error) {
	t.Helper()
	if oe.Status != http.StatusBadRequest {
		t.Fatalf("status %d", oe.Status)
	}
	if len(oe.Issues) == 0 || len(oe.Issues) > DefaultMaxIssues+1 {
		t.Fatalf("%d issues", len(oe.Issues))
	}
	for i, is := range oe.Issues {
		if is.Diagnostics == "" || is.Code == "" {
			t.Fatalf("issue %d incomplete: %+v", i, is)
		}
		if i < DefaultMaxIssues && is.Severity != outcome.SeverityErr {
			t.Fatalf("issue %d severity %s", i, is.Severity)
		}
	}
}
