package registration

import (
	"slices"
	"testing"
)

// TestOperations: the four operations, each with its input parameter's
// limit in its definition.
func TestOperations(t *testing.T) {
	w := newWorld(t)
	var got []string
	for _, o := range w.svc.Operations() {
		if o.Invoke == nil || len(o.Params) < 2 || o.Params[0].Use != "in" {
			t.Errorf("%s/$%s: %+v", o.Type, o.Name, o)
		}
		got = append(got, o.Type+"/$"+o.Name+" "+o.Params[0].Max)
	}
	want := []string{"Patient/$status-query 5000", "Organization/$generate-invitation-tokens 500",
		"DocumentReference/$read-receipt-query 5000", "Patient/$process-message 1"}
	if !slices.Equal(got, want) {
		t.Errorf("operations %v, want %v", got, want)
	}
}
