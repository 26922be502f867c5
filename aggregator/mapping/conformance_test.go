package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/validation"
	"github.com/fhirfleet/fhirfleet/test/testenv"
)

// listedTypes are the types stu3-to-r4.md gives rules for.
var listedTypes = []string{
	"Patient", "Observation", "Condition", "AllergyIntolerance", "MedicationStatement",
	"MedicationRequest", "Encounter", "Appointment", "DocumentReference", "Questionnaire",
	"QuestionnaireResponse", "Procedure", "Immunization",
}

// example is one official STU3 example resource.
type example struct {
	file string
	res  *fhirjson.Value
}

// stu3Examples reads every file of the official STU3 package whose
// resourceType is a STU3 resource, sorted by file name.
func stu3Examples(t testing.TB) []example {
	t.Helper()
	dir := filepath.Join(testenv.FHIRPackages(t), "stu3", "package")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no STU3 examples in %s: %v", dir, err)
	}
	sort.Strings(files)
	var out []example
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := fhirjson.Parse(data)
		if err != nil || res.Kind != fhirjson.Object || defs.STU3.Resource(res.Str("resourceType")) == nil {
			continue // package.json, .index.json
		}
		out = append(out, example{file: filepath.Base(f), res: res})
	}
	return out
}

func isListed(rt string) bool {
	for _, l := range listedTypes {
		if l == rt {
			return true
		}
	}
	return false
}

// exceptions are the official STU3 examples whose R4 form the validator
// rejects, each with the reason; every one is itself invalid STU3 (checked
// below), because the mapper invents no data. Keep docs/aggregator.md in step.
var exceptions = map[string]string{
	"Questionnaire-qs1.json": "the STU3 example has items without linkId (Questionnaire.item.linkId is 1..1 in STU3 as in R4)",
}

// TestConformanceListedTypes maps every official STU3 example of the
// listed types and validates the result with the R4 validator.
func TestConformanceListedTypes(t *testing.T) {
	val, err := validation.For(defs.R4)
	if err != nil {
		t.Fatal(err)
	}
	stu3val, err := validation.For(defs.STU3)
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	n := 0
	for _, ex := range stu3Examples(t) {
		if !isListed(ex.res.Str("resourceType")) {
			continue
		}
		n++
		t.Run(ex.file, func(t *testing.T) { checkExample(t, m, val, stu3val, ex) })
	}
	if n < 100 {
		t.Fatalf("only %d examples of the listed types", n)
	}
}

// checkExample maps one example and validates the result; an exception
// must still fail, and be invalid STU3 to begin with.
func checkExample(t *testing.T, m *Mapper, r4, stu3 *validation.Validator, ex example) {
	t.Helper()
	out, err := m.STU3ToR4(ex.res)
	if err == nil {
		if oe := r4.ValidateValue(out); oe != nil {
			err = oe
		}
	}
	why, isException := exceptions[ex.file]
	switch {
	case isException && err == nil:
		t.Fatalf("listed as an exception (%s) but maps to valid R4: remove it from the list", why)
	case isException && stu3.ValidateValue(ex.res) == nil:
		t.Fatalf("listed as an exception (%s) but the STU3 validator accepts the input", why)
	case !isException && err != nil:
		t.Fatal(err)
	}
}

// TestConformanceAllTypes maps the examples of every other STU3 resource
// type. Where R4 has no such type (DataElement, Sequence, ...) mapping must
// refuse it; otherwise the R4 validator may only miss elements R4 made
// required that the STU3 example leaves out (NutritionOrder.intent,
// Consent.scope, ...), which the mapper cannot invent. Anything else — an
// unknown property, a wrong type or value — is a mapping fault.
func TestConformanceAllTypes(t *testing.T) {
	r4val, err := validation.For(defs.R4)
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	var valid, noType, missing int
	for _, ex := range stu3Examples(t) {
		if isListed(ex.res.Str("resourceType")) {
			continue
		}
		out, err := m.STU3ToR4(ex.res)
		if err != nil {
			var me *Error
			if errors.As(err, &me) && strings.Contains(me.Reason, "has no R4 counterpart") {
				noType++
				continue
			}
			t.Errorf("%s: %v", ex.file, err)
			continue
		}
		oe := r4val.ValidateValue(out)
		if oe == nil {
			valid++
			continue
		}
		for _, is := range oe.Issues {
			if is.Code != outcome.CodeRequired && !strings.HasPrefix(is.Diagnostics, "More than") {
				t.Errorf("%s: %s at %v", ex.file, is.Diagnostics, is.Expression)
			}
		}
		missing++
	}
	t.Logf("valid R4: %d; type absent from R4: %d; missing an element R4 requires: %d", valid, noType, missing)
}
