package search

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
	"github.com/fhirfleet/fhirfleet/fhirserver/storage"
)

// Each case is a type-level search over the official examples with the
// expected entries (sorted, includes marked "+") or the expected total for
// _summary=count. Expectations were checked against the example files.
type confCase struct {
	typ, query string
	want       []string
	total      int // for _summary=count; -2 when not a count query
}

func ids(s ...string) []string { return s }

var r4Cases = []confCase{
	// string: default starts-with, accent/case-insensitive; :exact; :contains
	{"Patient", "name=pet", ids("Patient/example"), -2},
	{"Patient", "name=PETER", ids("Patient/example"), -2},
	{"Patient", "name:exact=Peter", ids("Patient/example"), -2},
	{"Patient", "name:exact=peter", nil, -2},
	{"Patient", "name:contains=ete", ids("Patient/example", "Patient/f001"), -2},
	{"Patient", "family=chalmers", ids("Patient/example"), -2},
	{"Patient", "address-city=PleasantVille", ids("Patient/example"), -2},
	// token: system|code, code, |code, :text, :not, :of-type
	{"Observation", "code=http://loinc.org|15074-8", ids("Observation/f001", "Observation/unsat"), -2},
	{"Observation", "code=15074-8", ids("Observation/f001", "Observation/unsat"), -2},
	{"Observation", "code=|15074-8", nil, -2},
	{"Observation", "code:text=glucose", ids("Observation/f001", "Observation/unsat"), -2},
	{"Patient", "gender=male&_summary=count", nil, 13},
	{"Patient", "gender:not=male&_summary=count", nil, 9},
	{"Patient", "_summary=count", nil, 22},
	{"Patient", "identifier=urn:oid:1.2.36.146.595.217.0.1|12345", ids("Patient/example"), -2},
	{"Patient", "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345", ids("Patient/example", "Patient/xcda"), -2},
	{"Patient", "telecom=(03) 5555 6473", ids("Patient/example"), -2},
	{"Patient", "active=true&_summary=count", nil, 17},
	{"Observation", "code=http://loinc.org|&_summary=count", nil, 48},
	{"Patient", "gender:missing=true", ids("Patient/ihe-pcd"), -2},
	{"Observation", "code:text=Glucose [Moles", ids("Observation/f001", "Observation/unsat"), -2},
	// date with prefixes and implicit ranges
	{"Patient", "birthdate=1974-12-25", ids("Patient/ch-example", "Patient/example"), -2},
	{"Patient", "birthdate=lt1950", ids("Patient/f001", "Patient/glossy", "Patient/xcda"), -2},
	{"Patient", "birthdate=sa2010", ids("Patient/infant-twin-1", "Patient/infant-twin-2", "Patient/newborn"), -2},
	{"Patient", "birthdate=eb1940", ids("Patient/glossy", "Patient/xcda"), -2},
	{"Patient", "birthdate=ne1974-12-25&_summary=count", nil, 20},
	{"Observation", "date=ge2013-04-02&date=le2013-04-03", ids("Observation/f001", "Observation/f002", "Observation/f003", "Observation/f004", "Observation/unsat"), -2},
	{"Encounter", "date=2015", ids("Encounter/home"), -2},
	// ap: 10% of the ~44 years to the test clock (2019), so 1970-07..1979-05
	{"Patient", "birthdate=ap1974-12-25", ids("Patient/ch-example", "Patient/example", "Patient/genetics-example1", "Patient/mom"), -2},
	// number and quantity: precision, prefixes, value|system|code
	{"RiskAssessment", "probability=0.02", ids("RiskAssessment/cardiac"), -2},
	{"RiskAssessment", "probability=gt0.5", nil, -2},
	{"RiskAssessment", "probability=lt0.0002", ids("RiskAssessment/genetic"), -2},
	{"RiskAssessment", "probability=ne0.02&_summary=count", nil, 5}, // 6 assessments, one at 0.02
	{"Observation", "value-quantity=ne6.3&_summary=count", nil, 63},
	{"Observation", "value-quantity=lt1&_summary=count", nil, 3},
	{"Observation", "value-quantity=6.3|http://unitsofmeasure.org|mmol/L", ids("Observation/f001"), -2},
	{"Observation", "value-quantity=6.3||mmol/L", ids("Observation/f001"), -2},
	{"Observation", "value-quantity=ap6.3", ids("Observation/f001", "Observation/f003"), -2},
	{"MolecularSequence", "variant-start=lt30000&_summary=count", nil, 5},
	// reference: Type/id, bare id, absolute URL of this server, :Type
	{"Observation", "subject=Patient/example&_summary=count", nil, 30},
	{"Observation", "subject=" + testBase + "/Patient/example&_summary=count", nil, 30},
	{"Observation", "subject:Patient=example&_summary=count", nil, 30},
	{"Patient", "link=Patient/pat2", ids("Patient/pat1"), -2},
	{"Claim", "patient:identifier=http://www.jurisdiction.com/nationalId|123AB345", ids("Claim/100154"), -2},
	{"Claim", "patient:identifier=123AB345", ids("Claim/100154"), -2},
	{"Observation", "subject:missing=true&_summary=count", nil, 7},
	// composite
	{"Observation", "code-value-quantity=http://loinc.org|15074-8$6.3", ids("Observation/f001"), -2},
	{"Observation", "code-value-quantity=http://loinc.org|15074-8$gt7", nil, -2},
	{"Observation", "component-code-value-quantity=http://loinc.org|8480-6$107", ids("Observation/blood-pressure", "Observation/blood-pressure-dar"), -2},
	// common parameters
	{"Observation", "_profile=http://hl7.org/fhir/StructureDefinition/vitalsigns&_summary=count", nil, 12},
	{"Observation", "_profile:below=http://hl7.org/fhir/StructureDefinition/&_summary=count", nil, 12},
	{"Observation", "_profile:above=http://hl7.org/fhir/StructureDefinition/vitalsigns/extra&_summary=count", nil, 12},
	{"Observation", "_profile:above=http://hl7.org/fhir/StructureDefinition/&_summary=count", nil, 0},
	// near (the example HL7 location has latitude and longitude swapped)
	{"Location", "near=42.25475478|-83.6945691|1|km", ids("Location/1"), -2},
	{"Patient", "_lastUpdated=gt2000-01-01&_summary=count", nil, 22},
	{"Patient", "_id=example,f001", ids("Patient/example", "Patient/f001"), -2},
	// chains, _has
	{"Observation", "subject:Patient.name=peter&_summary=count", nil, 30},
	{"Patient", "general-practitioner:Practitioner.family=careful", ids("Patient/glossy"), -2},
	// Organization/1 (Gastroenterology) manages example, pat1-4, dicom, ch-example.
	{"Observation", "patient.organization.name=gastro&_summary=count", nil, 32},
	{"Patient", "_has:Observation:patient:code=15074-8", ids("Patient/f001"), -2},
	{"Patient", "_has:Observation:patient:_has:Observation:has-member:code=85354-9&_summary=count", nil, 0},
	// includes (+ marks mode=include), :iterate
	{"Observation", "_id=f001&_include=Observation:subject", ids("+Patient/f001", "Observation/f001"), -2},
	{"Observation", "_id=vitals-panel&_include=Observation:has-member&_include:iterate=Observation:subject",
		ids("+Observation/blood-pressure", "+Observation/body-temperature", "+Observation/heart-rate", "+Observation/respiratory-rate", "+Patient/example", "Observation/vitals-panel"), -2},
	{"Observation", "_id=vitals-panel&_include=Observation:has-member&_include=Observation:subject",
		ids("+Observation/blood-pressure", "+Observation/body-temperature", "+Observation/heart-rate", "+Observation/respiratory-rate", "+Patient/example", "Observation/vitals-panel"), -2},
	{"Observation", "_id=vitals-panel&_include=Observation:has-member:Patient", ids("Observation/vitals-panel"), -2},
}

var stu3Cases = []confCase{
	{"Patient", "name=peter", ids("Patient/123", "Patient/123a", "Patient/12423"), -2},
	{"Patient", "birthdate=1974-12-25", ids("Patient/123", "Patient/123a", "Patient/12423"), -2},
	{"Patient", "gender=female&_summary=count", nil, 7},
	{"Observation", "code=http://loinc.org|15074-8", ids("Observation/f001", "Observation/unsat"), -2},
	{"Observation", "code-value-quantity=http://loinc.org|15074-8$6.3", ids("Observation/f001"), -2},
	{"Observation", "value-quantity=6.3|http://unitsofmeasure.org|mmol/L", ids("Observation/f001"), -2},
	{"Observation", "subject=Patient/example&_summary=count", nil, 25},
	{"RiskAssessment", "probability=0.02", ids("RiskAssessment/cardiac"), -2},
	{"Location", "near=42.25475478:-83.6945691&near-distance=1|http://unitsofmeasure.org|km", ids("Location/1"), -2},
	{"Observation", "value-quantity=gt6|http://unitsofmeasure.org|mmol/L", ids("Observation/f001", "Observation/f002"), -2}, // 6.3 and 12.6
	{"Claim", "patient=Patient/1&_summary=count", nil, 13},
	{"Claim", "patient:Patient._id=1&_summary=count", nil, 13},
	{"Coverage", "beneficiary:Patient.gender=male", ids("Coverage/7546D", "Coverage/7547E", "Coverage/SP1234"), -2},
	{"Patient", "_has:Claim:patient:_id=100150", ids("Patient/1"), -2},
	{"Patient", "_has:Coverage:beneficiary:_id=9876B1", ids("Patient/4"), -2},
	{"Claim", "_id=100150&_include=Claim:patient", ids("Claim/100150", "+Patient/1"), -2},
	{"Claim", "_id=100150&_include:recurse=Claim:patient", ids("Claim/100150", "+Patient/1"), -2}, // STU3's name for :iterate
	{"Patient", "gender:not=male&_summary=count", nil, 10},
}

func runCases(t *testing.T, v *defs.Version, cases []confCase) {
	f := loadExamples(t, v)
	for _, c := range cases {
		t.Run(c.typ+"?"+c.query, func(t *testing.T) {
			got, res := run(t, f, c.typ, c.query+"&_count=1000")
			if c.total != -2 {
				if !res.SummaryCount || res.Total != c.total || len(got) != 0 {
					t.Fatalf("count = %d (summary %v, %d entries), want %d", res.Total, res.SummaryCount, len(got), c.total)
				}
				return
			}
			if !slices.Equal(sorted(got), sorted(c.want)) {
				t.Fatalf("got %v\nwant %v", sorted(got), sorted(c.want))
			}
		})
	}
}

func TestConformanceR4(t *testing.T)   { runCases(t, defs.R4, r4Cases) }
func TestConformanceSTU3(t *testing.T) { runCases(t, defs.STU3, stu3Cases) }

func TestSortOrdersSTU3(t *testing.T) {
	f := loadExamples(t, defs.STU3)
	// Birth dates 1955-01-06, 1956-05-27, 1973-05-31 come first.
	if got, _ := run(t, f, "Patient", "_sort=birthdate&_count=3"); !slices.Equal(got, ids("Patient/d1", "Patient/a2", "Patient/1")) {
		t.Errorf("got %v", got)
	}
}

func TestSortOrders(t *testing.T) {
	f := loadExamples(t, defs.R4)
	cases := []struct {
		query string
		want  []string
	}{
		// The twins share a birth date: ties follow the first key (descending ids).
		{"_sort=-birthdate&_count=5", ids("Patient/newborn", "Patient/infant-twin-2", "Patient/infant-twin-1", "Patient/animal", "Patient/infant-mom")},
		{"_sort=birthdate&_count=5", ids("Patient/glossy", "Patient/xcda", "Patient/f001", "Patient/xds", "Patient/f201")},
		{"_sort=family,-birthdate&_count=4", ids("Patient/f201", "Patient/ihe-pcd", "Patient/example", "Patient/xds")},
		{"_sort=_id&_count=3", ids("Patient/animal", "Patient/ch-example", "Patient/dicom")},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			got, _ := run(t, f, "Patient", c.query)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestPagingWalksEveryMatchOnce follows next links, then previous links,
// and checks every patient is seen once in order, in both directions.
func TestPagingWalksEveryMatchOnce(t *testing.T) {
	f := loadExamples(t, defs.R4)
	for _, sortBy := range []string{"", "-birthdate", "family"} {
		t.Run("sort="+sortBy, func(t *testing.T) {
			params := url.Values{"_count": {"4"}, "_total": {"accurate"}}
			if sortBy != "" {
				params.Set("_sort", sortBy)
			}
			all, _ := run(t, f, "Patient", params.Encode()+"&_count=1000")
			var walked []string
			var pages []*Result
			cur := ""
			for i := 0; i < 50; i++ {
				res, err := f.e.Search(context.Background(), Request{ResourceType: "Patient", Params: params, Cursor: cur})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != 22 {
					t.Fatalf("total %d, want 22", res.Total)
				}
				walked = append(walked, names(res)...)
				pages = append(pages, res)
				if cur = res.Next; cur == "" {
					break
				}
			}
			if !slices.Equal(walked, all) || len(all) != 22 {
				t.Fatalf("walked %v\nwant %v", walked, all)
			}
			// Back from the last page to the first with the prev cursors.
			for i := len(pages) - 1; i > 0; i-- {
				res, err := f.e.Search(context.Background(), Request{ResourceType: "Patient", Params: params, Cursor: pages[i].Prev})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(names(res), names(pages[i-1])) {
					t.Fatalf("prev of page %d = %v, want %v", i, names(res), names(pages[i-1]))
				}
			}
		})
	}
}

func TestCompartmentAndSystemSearch(t *testing.T) {
	f := loadExamples(t, defs.R4)
	ctx := context.Background()
	res, err := f.e.Search(ctx, Request{ResourceType: "Observation", Compartment: &CompartmentRef{Type: "Patient", ID: "f001"}, Params: url.Values{"_count": {"100"}}})
	if err != nil {
		t.Fatal(err)
	}
	// f001's observations reference it as subject.
	want := ids("Observation/ekg", "Observation/f001", "Observation/f002", "Observation/f003", "Observation/f004", "Observation/f005", "Observation/unsat")
	if got := sorted(names(res)); !slices.Equal(got, want) {
		t.Fatalf("compartment: got %v want %v", got, want)
	}
	res, err = f.e.Search(ctx, Request{Types: []string{"Patient", "Practitioner"}, Params: url.Values{"_id": {"example,f001"}, "_count": {"100"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(res); !slices.Equal(got, ids("Patient/example", "Patient/f001", "Practitioner/example", "Practitioner/f001")) {
		t.Fatalf("system search: got %v", got)
	}
}

func TestUnknownStrictAndMalformed(t *testing.T) {
	f := loadExamples(t, defs.R4)
	ctx := context.Background()
	res, err := f.e.Search(ctx, Request{ResourceType: "Patient", Params: url.Values{"nosuch": {"1"}, "gender": {"male"}, "_summary": {"count"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 13 || res.Self.Has("nosuch") || !res.Self.Has("gender") || len(res.Warnings) != 1 {
		t.Fatalf("lenient: total %d self %v warnings %v", res.Total, res.Self, res.Warnings)
	}
	bad := []struct {
		params url.Values
		strict bool
		expr   string
	}{
		{url.Values{"nosuch": {"1"}}, true, "nosuch"},
		{url.Values{"birthdate": {"1974-13"}}, false, "birthdate"},
		{url.Values{"birthdate": {"xx1974"}}, false, "birthdate"},
		{url.Values{"general-practitioner": {""}}, false, "general-practitioner"},
		{url.Values{"name:below": {"x"}}, false, "name:below"},
		{url.Values{"_count": {"-1"}}, false, "_count"},
		{url.Values{"_sort": {"nosuch"}}, false, "_sort"},
		{url.Values{"_has:Observation:nosuch:code": {"x"}}, false, "_has:Observation:nosuch:code"},
		{url.Values{"deceased:missing": {"maybe"}}, false, "deceased:missing"},
	}
	for _, b := range bad {
		_, err := f.e.Search(ctx, Request{ResourceType: "Patient", Params: b.params, Strict: b.strict})
		oe, ok := outcome.As(err)
		if !ok || oe.Status != http.StatusBadRequest || len(oe.Issues[0].Expression) == 0 || oe.Issues[0].Expression[0] != b.expr {
			t.Errorf("%v strict=%v: got %v, want 400 at %s", b.params, b.strict, err, b.expr)
		}
	}
	_, err = f.e.Search(ctx, Request{ResourceType: "Patient", Params: url.Values{"zz": {"1"}, "aa": {"2"}, "gender": {"male"}}, Strict: true})
	if oe, ok := outcome.As(err); !ok || len(oe.Issues[0].Expression) != 2 || oe.Issues[0].Expression[0] != "aa" || oe.Issues[0].Expression[1] != "zz" {
		t.Errorf("strict with two unknown parameters: %v", err)
	}
	if _, err := f.e.Search(ctx, Request{ResourceType: "Patient", Cursor: "!!"}); err == nil {
		t.Errorf("a garbage cursor was accepted")
	}
}

// TestMatchInsideWrite checks the conditional-create path: Match sees the
// transaction's own staged write.
func TestMatchInsideWrite(t *testing.T) {
	f := loadExamples(t, defs.R4)
	ctx := context.Background()
	errStop := errors.New("roll back")
	_, err := f.store.Write(ctx, func(tx *storage.Tx) error {
		got, err := f.e.Match(ctx, tx, "Patient", url.Values{"identifier": {"urn:oid:1.2.36.146.595.217.0.1|12345"}})
		if err != nil {
			return err
		}
		if !slices.Equal(got, ids("example")) {
			t.Errorf("Match = %v, want [example]", got)
		}
		if _, err := f.e.Match(ctx, tx, "Patient", url.Values{"nosuch": {"x"}}); err == nil {
			t.Errorf("Match without known parameters must fail")
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("Write: %v", err)
	}
}
