package rest

import (
	"reflect"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestParseElements(t *testing.T) {
	got := parseElements([]string{"name, Patient.birthDate", "", "identifier"})
	if want := []string{"name", "birthDate", "identifier"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSubsetBackbone(t *testing.T) {
	// Observation.component is a backbone element: its non-summary children
	// (none in R4 but interpretation etc. exist) are filtered by the
	// resource's own flags, while data types stay whole.
	res := mustParse(t, `{"resourceType":"Observation","id":"1","status":"final","code":{"text":"x","coding":[{"code":"c"}]},`+
		`"note":[{"text":"n"}],"component":[{"code":{"text":"c"},"valueString":"v","referenceRange":[{"text":"r"}]}]}`)
	subset(defs.R4, defs.R4.Resource("Observation"), res, summaryTrue, nil)
	got := string(fhirjson.Marshal(res))
	want := `{"resourceType":"Observation","id":"1","status":"final","code":{"text":"x","coding":[{"code":"c"}]},` +
		`"component":[{"code":{"text":"c"},"valueString":"v"}],` +
		`"meta":{"tag":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue","code":"SUBSETTED"}]}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestViewFromQuery(t *testing.T) {
	v, err := viewFromQuery(map[string][]string{"_pretty": {"true"}, "_summary": {"count"}})
	if err != nil || !v.Pretty || v.Summary != summaryCount || !v.transforms() {
		t.Errorf("view %+v err %v", v, err)
	}
	if v, _ := viewFromQuery(map[string][]string{"_summary": {"count"}}); v.transforms() {
		t.Error("_summary=count alone must not transform a read")
	}
	if _, err := viewFromQuery(map[string][]string{"_summary": {"all"}}); err == nil {
		t.Error("_summary=all accepted")
	}
}
