package access

import (
	"context"
	"testing"
)

// TestSubjectFrom: a subject is a customer or a patient, never both or
// neither.
func TestSubjectFrom(t *testing.T) {
	for _, tc := range []struct {
		s    Subject
		want bool
	}{
		{Subject{Customer: "acme"}, true},
		{Subject{Patient: "p1"}, true},
		{Subject{Customer: "acme", Patient: "p1"}, false},
		{Subject{}, false},
	} {
		if _, ok := SubjectFrom(WithSubject(context.Background(), tc.s)); ok != tc.want {
			t.Errorf("%+v: %v, want %v", tc.s, ok, tc.want)
		}
	}
	if _, ok := SubjectFrom(context.Background()); ok {
		t.Error("a context without a subject has one")
	}
}
