package repository

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

// TestPatchErrors: what a patch can get wrong, and the status it answers.
func TestPatchErrors(t *testing.T) {
	r, _ := newRepo(t)
	stu3, _ := newRepoOf(t, versions[1])
	put(t, r, "Patient", "p", `{"resourceType":"Patient","active":true}`)
	jsonPatch := func(s string) *Patch {
		p, err := ParseJSONPatch([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		run    func() error
		status int
	}{
		{"not a JSON Patch", func() error { _, err := ParseJSONPatch([]byte(`{}`)); return err }, 400},
		{"FHIRPath Patch on STU3", func() error {
			_, err := stu3.ParseFHIRPathPatch([]byte(`{"resourceType":"Parameters"}`))
			return err
		}, 415},
		{"a failed test", func() error {
			_, err := r.Commit(t.Context(), &Write{Action: ActionPatch, Type: "Patient", ID: "p", Patch: jsonPatch(`[{"op":"test","path":"/active","value":false}]`)})
			return err
		}, 422},
		{"a changed id", func() error {
			_, err := r.Commit(t.Context(), &Write{Action: ActionPatch, Type: "Patient", ID: "p", Patch: jsonPatch(`[{"op":"replace","path":"/id","value":"q"}]`)})
			return err
		}, 422},
		{"an invalid result", func() error {
			_, err := r.Commit(t.Context(), &Write{Action: ActionPatch, Type: "Patient", ID: "p", Patch: jsonPatch(`[{"op":"add","path":"/unicorn","value":1}]`)})
			return err
		}, 422},
		{"an unknown resource", func() error {
			_, err := r.Commit(t.Context(), &Write{Action: ActionPatch, Type: "Patient", ID: "nobody", Patch: jsonPatch(`[]`)})
			return err
		}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oe, ok := outcome.As(tt.run())
			if !ok || oe.Status != tt.status {
				t.Errorf("error %v, want a %d OperationOutcome", oe, tt.status)
			}
		})
	}
}
