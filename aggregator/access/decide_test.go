package access

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// TestDecide is the rule as a table: own contributions, linked patients,
// labels (every one must be granted, unknown codes never are), resources
// outside every compartment, and patients.
func TestDecide(t *testing.T) {
	const (
		own   = `{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"acme"}`
		other = `{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"beta"}`
		mh    = `{"system":"` + PrivacyLabelSystem + `","code":"MENTAL_HEALTH"}`
		sh    = `{"system":"` + PrivacyLabelSystem + `","code":"SEXUAL_HEALTH"}`
		odd   = `{"system":"` + PrivacyLabelSystem + `","code":"SOMETHING_NEW"}`
	)
	acme := Subject{Customer: "acme", Labels: []string{"MENTAL_HEALTH"}}
	linked := map[string]bool{"p-linked": true}
	tests := []struct {
		name     string
		who      Subject
		security string
		owners   []string
		want     bool
	}{
		{"own contribution, labels not granted", acme, own + "," + sh, []string{"p-other"}, true},
		{"linked patient, no label", acme, other, []string{"p-linked"}, true},
		{"linked patient, granted label", acme, other + "," + mh, []string{"p-linked"}, true},
		{"linked patient, one label not granted", acme, other + "," + mh + "," + sh, []string{"p-linked"}, false},
		{"linked patient, unknown label", acme, other + "," + odd, []string{"p-linked"}, false},
		{"unlinked patient", acme, other, []string{"p-other"}, false},
		{"one of two owners linked", acme, other, []string{"p-other", "p-linked"}, true},
		{"no compartment", acme, other, nil, true},
		{"no compartment, label not granted", acme, other + "," + sh, nil, false},
		{"patient: own compartment, any label", Subject{Patient: "p1"}, other + "," + sh, []string{"p1"}, true},
		{"patient: another's compartment", Subject{Patient: "p1"}, other, []string{"p2"}, false},
		{"patient: no compartment", Subject{Patient: "p1"}, "", nil, false},
		{"nobody", Subject{}, "", nil, false},
	}
	for _, tc := range tests {
		res, err := fhirjson.Parse([]byte(`{"resourceType":"Condition","meta":{"security":[` + tc.security + `]}}`))
		if err != nil {
			t.Fatal(err)
		}
		got, err := decide(tc.who, res, tc.owners, func(p string) (bool, error) { return linked[p], nil })
		if err != nil || got != tc.want {
			t.Errorf("%s: %v (%v), want %v", tc.name, got, err, tc.want)
		}
	}
}

// TestLinkedTo: a Patient is linked to a customer by a contributor
// extension naming it or by its source-organization label.
func TestLinkedTo(t *testing.T) {
	tests := []struct {
		meta string
		want bool
	}{
		{`{"extension":[{"url":"https://fhirfleet.io/fhir/StructureDefinition/contributor","extension":[{"url":"source","valueString":"acme-gp"},{"url":"customer","valueString":"acme"}]}]}`, true},
		{`{"extension":[{"url":"https://fhirfleet.io/fhir/StructureDefinition/contributor","extension":[{"url":"customer","valueString":"beta"}]}]}`, false},
		{`{"extension":[{"url":"https://example.org/other","extension":[{"url":"customer","valueString":"acme"}]}]}`, false},
		{`{"security":[{"system":"http://fhir.patientsknowbest.com/codesystem/source-organization","code":"acme"}]}`, true},
		{`{}`, false},
	}
	for _, tc := range tests {
		res, err := fhirjson.Parse([]byte(`{"resourceType":"Patient","meta":` + tc.meta + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := linkedTo(res, "acme"); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.meta, got, tc.want)
		}
	}
}
