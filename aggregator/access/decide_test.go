package access

import (
	"testing"
)

// TestDecide is the rule as a table: own contributions, linked patients,
// labels (every one must be granted, unknown codes never are), resources
// outside every compartment, and patients.
func TestDecide(t *testing.T) {
	acme := Subject{Customer: "acme", Labels: []string{"MENTAL_HEALTH"}}
	linked := map[string]bool{"p-linked": true}
	tests := []struct {
		name string
		who  Subject
		f    facts
		want bool
	}{
		{"own contribution, labels not granted", acme, facts{orgs: []string{"acme"}, labels: []string{"SEXUAL_HEALTH"}, owners: []string{"p-other"}}, true},
		{"linked patient, no label", acme, facts{orgs: []string{"beta"}, owners: []string{"p-linked"}}, true},
		{"linked patient, granted label", acme, facts{orgs: []string{"beta"}, labels: []string{"MENTAL_HEALTH"}, owners: []string{"p-linked"}}, true},
		{"linked patient, one label not granted", acme, facts{orgs: []string{"beta"}, labels: []string{"MENTAL_HEALTH", "SEXUAL_HEALTH"}, owners: []string{"p-linked"}}, false},
		{"linked patient, unknown label", acme, facts{orgs: []string{"beta"}, labels: []string{"SOMETHING_NEW"}, owners: []string{"p-linked"}}, false},
		{"unlinked patient", acme, facts{orgs: []string{"beta"}, owners: []string{"p-other"}}, false},
		{"one of two owners linked", acme, facts{orgs: []string{"beta"}, owners: []string{"p-other", "p-linked"}}, true},
		{"no compartment", acme, facts{orgs: []string{"beta"}}, true},
		{"no compartment, label not granted", acme, facts{orgs: []string{"beta"}, labels: []string{"SEXUAL_HEALTH"}}, false},
		{"patient: own compartment, any label", Subject{Patient: "p1"}, facts{labels: []string{"SEXUAL_HEALTH"}, owners: []string{"p1"}}, true},
		{"patient: another's compartment", Subject{Patient: "p1"}, facts{owners: []string{"p2"}}, false},
		{"patient: no compartment", Subject{Patient: "p1"}, facts{}, false},
		{"nobody", Subject{}, facts{}, false},
	}
	for _, tc := range tests {
		got, err := decide(tc.who, &tc.f, func(p string) (bool, error) { return linked[p], nil })
		if err != nil || got != tc.want {
			t.Errorf("%s: %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}
