package registration

import (
	"context"
	"strconv"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// TestStatusQuery: one patientStatus per identifier, in order; a patient
// of another customer answers like no patient at all; registration shows
// once the patient signed in.
func TestStatusQuery(t *testing.T) {
	w := newWorld(t)
	w.patient("p1", "acme", "9000000001", `"birthDate":"1980-02-03"`)
	w.patient("p2", "acme", "9000000002", `"birthDate":"1990-01-01","deceasedBoolean":true`)
	w.patient("p3", "beta", "9000000003", `"birthDate":"1970-01-01"`)
	if err := w.svc.Register(context.Background(), "9000000001", "p1"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Register(context.Background(), "9000000003", "p3"); err != nil {
		t.Fatal(err)
	}
	out, err := w.svc.statusQuery(as("acme"), idParams("patientIdentifier", nhsSystem, "9000000001", "9000000002", "9000000003", "9999999999"))
	if err != nil {
		t.Fatal(err)
	}
	got := parts(t, out)
	want := []map[string]string{
		{"name": "patientStatus", "patientIdentifier": `{"system":"` + nhsSystem + `","value":"9000000001"}`, "deceased": "false", "dateOfBirth": `"1980-02-03"`, "registered": "true"},
		{"name": "patientStatus", "patientIdentifier": `{"system":"` + nhsSystem + `","value":"9000000002"}`, "deceased": "true", "dateOfBirth": `"1990-01-01"`, "registered": "false"},
		// beta's registered patient: acme learns nothing, not even that it is registered.
		{"name": "patientStatus", "patientIdentifier": `{"system":"` + nhsSystem + `","value":"9000000003"}`, "registered": "false"},
		{"name": "patientStatus", "patientIdentifier": `{"system":"` + nhsSystem + `","value":"9999999999"}`, "registered": "false"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statuses, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("status %d: %v, want %v", i, got[i], want[i])
		}
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("status %d %s: %s, want %s", i, k, got[i][k], v)
			}
		}
	}
}

// TestOperationLimits: every operation refuses patient tokens (403), no
// identifier, too many, an unknown parameter and an Identifier without a
// value (400 naming where).
func TestOperationLimits(t *testing.T) {
	w := newWorld(t)
	ops := map[string]struct {
		invoke func(context.Context, *fhirjson.Value) (*fhirjson.Value, error)
		name   string
		max    int
	}{
		"status-query":               {w.svc.statusQuery, "patientIdentifier", MaxStatusQuery},
		"generate-invitation-tokens": {w.svc.generateInvitations, "patientIdentifier", MaxInvitations},
		"read-receipt-query":         {w.svc.readReceiptQuery, "documentIdentifier", MaxReadReceiptQuery},
	}
	for op, o := range ops {
		many := make([]string, o.max+1)
		for i := range many {
			many[i] = strconv.Itoa(i)
		}
		tests := []struct {
			name   string
			ctx    context.Context
			in     *fhirjson.Value
			status int
		}{
			{"patient token", as("patient:p1"), idParams(o.name, "", "1"), 403},
			{"none", as("acme"), idParams(o.name, ""), 400},
			{"too many", as("acme"), idParams(o.name, "", many...), 400},
			{"unknown parameter", as("acme"), idParams("other", "", "1"), 400},
			{"no value", as("acme"), idParams(o.name, "urn:x", ""), 400},
			{"at the limit", as("acme"), idParams(o.name, "", many[:o.max]...), 0},
		}
		for _, tc := range tests {
			_, err := o.invoke(tc.ctx, tc.in)
			if statusOf(err) != tc.status || tc.status == 0 && err != nil {
				t.Errorf("%s %s: %v, want status %d", op, tc.name, err, tc.status)
			}
		}
	}
}
