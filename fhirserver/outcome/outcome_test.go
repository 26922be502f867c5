package outcome

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestErrorResource(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{
			name: "one issue with expression",
			err:  BadRequest(CodeValue, "Patient.birthDate", "%q is not a date", "1970-13-01"),
			want: `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"value","diagnostics":"\"1970-13-01\" is not a date","expression":["Patient.birthDate"]}]}`,
		},
		{
			name: "no expression",
			err:  NotFound("Patient/x is not known"),
			want: `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found","diagnostics":"Patient/x is not known"}]}`,
		},
		{
			name: "no issues yields the informational all-OK issue FHIR requires",
			err:  &Error{Status: 200},
			want: `{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":"All OK"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(fhirjson.Marshal(tt.err.Resource())); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestStatusesAndMessages(t *testing.T) {
	tests := []struct {
		err    *Error
		status int
		msg    string
	}{
		{BadRequest(CodeStructure, "Observation.foo", "unknown element"), http.StatusBadRequest, "400: Observation.foo: unknown element"},
		{Unprocessable(CodeProcessing, "", "cannot process"), http.StatusUnprocessableEntity, "422: cannot process"},
		{Internal("store failed"), http.StatusInternalServerError, "500: store failed"},
		{&Error{Status: 400, Issues: []Issue{{Diagnostics: "a"}, {Diagnostics: "b", Expression: []string{"X.y", "X.z"}}}}, 400, "400: a; X.y,X.z: b"},
	}
	for _, tt := range tests {
		if tt.err.Status != tt.status || tt.err.Error() != tt.msg {
			t.Errorf("got %d %q, want %d %q", tt.err.Status, tt.err.Error(), tt.status, tt.msg)
		}
	}
}

func TestAsUnwraps(t *testing.T) {
	base := NotFound("gone")
	wrapped := fmt.Errorf("read: %w", base)
	got, ok := As(wrapped)
	if !ok || got != base {
		t.Fatalf("As(%v) = %v, %v", wrapped, got, ok)
	}
	if _, ok := As(fmt.Errorf("plain")); ok {
		t.Fatal("a plain error is not an *Error")
	}
}
