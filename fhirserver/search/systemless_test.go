package search

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestSystemlessParameters: the token parameters whose values never have a
// system are found from their definitions, write no code-and-system
// entries, and answer every form of token search as the others do: |code
// as code, system|code and system| with nothing.
func TestSystemlessParameters(t *testing.T) {
	checkParamFlag(t, "systemless", func(p *param) bool { return p.systemless }, []paramFlag{
		{defs.R4, "Patient", "gender", true},
		{defs.R4, "Patient", "active", true},
		{defs.R4, "Patient", "_id", true},
		{defs.R4, "Patient", "telecom", true},
		{defs.R4, "Patient", "phone", true},       // telecom.where(system='phone')
		{defs.R4, "Patient", "email", true},       // the same, 'email'
		{defs.R4, "Patient", "address-use", true}, // through Address
		{defs.R4, "Patient", "identifier", false}, // Identifier.system
		{defs.R4, "Patient", "language", false},   // CodeableConcept
		{defs.R4, "Patient", "deceased", true},    // a boolean expression
		{defs.STU3, "Patient", "deceased", true},
		{defs.R4, "Observation", "status", true},
		{defs.R4, "Observation", "code", false},
		{defs.R4, "Observation", "combo-code", false},
		{defs.R4, "Observation", "value-concept", false}, // (Observation.value as CodeableConcept)
		{defs.STU3, "Patient", "gender", true},
		{defs.STU3, "Patient", "identifier", false},
		{defs.STU3, "Observation", "status", true},
	})

	var res []string
	for i := range 6 {
		gender := []string{"female", "male"}[i%2]
		deceased := [3]string{"", `"deceasedBoolean":true,`, `"deceasedDateTime":"2020-01-02",`}[i%3]
		res = append(res, fmt.Sprintf(`{"resourceType":"Patient","id":"p%d","gender":%q,%s`+
			`"telecom":[{"system":"phone","value":"555-%d"},{"system":"email","value":"p%d@example.org"}],`+
			`"identifier":[{"value":"X%d"},{"system":"urn:mrn","value":"M%d"}]}`, i, gender, deceased, i%3, i, i, i))
	}
	f := smallStore(t, defs.R4, res...)
	for _, en := range entriesOf(t, f.e, res[0]) {
		if en.Value[0] == 'c' && en.Param != "identifier" {
			t.Errorf("%s: code-and-system entry %q", en.Param, en.Value)
		}
	}
	for _, q := range []struct {
		query string
		want  []string
	}{
		{"gender=female", []string{"p0", "p2", "p4"}},
		{"gender=|female", []string{"p0", "p2", "p4"}},
		{"gender=http://hl7.org/fhir/administrative-gender|female", nil},
		{"gender=http://hl7.org/fhir/administrative-gender|", nil},
		{"gender:not=|female", []string{"p1", "p3", "p5"}},
		{"gender=|female,|male", []string{"p0", "p1", "p2", "p3", "p4", "p5"}},
		{"phone=|555-1", []string{"p1", "p4"}},
		{"telecom=|p2@example.org", []string{"p2"}},
		{"email=phone|p2@example.org", nil},
		{"_id=|p3", []string{"p3"}},
		{"deceased=true", []string{"p1", "p2", "p4", "p5"}},
		{"deceased=|false", []string{"p0", "p3"}},
		{"deceased=false&gender=male", []string{"p3"}},
		{"deceased:not=true", []string{"p0", "p3"}},
		{"_id=|p3&gender=|male", []string{"p3"}},
		{"gender=|female&_sort=-_id", []string{"p4", "p2", "p0"}},
		{"_summary=count&gender=|male", nil},
		// identifier keeps its code-and-system entries: |X1 has no system,
		// |M1 has one.
		{"identifier=|X1", []string{"p1"}},
		{"identifier=|M1", nil},
		{"identifier=urn:mrn|M1", []string{"p1"}},
	} {
		if q.query == "_summary=count&gender=|male" {
			r := searchReq(t, f, Request{ResourceType: "Patient", Params: url.Values{"gender": {"|male"}, "_summary": {"count"}}})
			if r.Total != 3 {
				t.Errorf("%s: total %d, want 3", q.query, r.Total)
			}
			continue
		}
		var want []string
		for _, id := range q.want {
			want = append(want, "Patient/"+id)
		}
		expect(t, f, "Patient", q.query, want...)
	}
}

func TestBooleanExpr(t *testing.T) {
	for b, want := range map[string]bool{
		"Patient.deceased.exists() and Patient.deceased != false": true,
		"a or b":                  true,
		"Patient.active.exists()": true,
		"Patient.link.empty()":    true,
		"Patient.gender":          false,
		"Patient.telecom.where(system='phone' and use='home')": false,
		"Patient.name.where(family='a or b')":                  false,
		"(Patient.a and Patient.b).c":                          false,
		"Patient.link.where(type='seealso').exists()":          false,
		"Observation.value as CodeableConcept":                 false,
		"Patient.name.family = 'x'":                            false,
	} {
		if got := booleanExpr(b); got != want {
			t.Errorf("booleanExpr(%q) = %v, want %v", b, got, want)
		}
	}
}

// paramFlag is a parameter and the value one of its compiled flags should
// have.
type paramFlag struct {
	v         *defs.Version
	typ, code string
	want      bool
}

// checkParamFlag checks flag (named name) of each case's parameter.
func checkParamFlag(t *testing.T, name string, flag func(*param) bool, cases []paramFlag) {
	t.Helper()
	for _, c := range cases {
		e := mustEngine(t, c.v, nil)
		p := e.reg.lookup(c.typ, c.code)
		if p == nil {
			t.Fatalf("%s %s.%s: no such parameter", c.v.Name, c.typ, c.code)
		}
		if got := flag(p); got != c.want {
			t.Errorf("%s %s.%s (%s, key %s): %s = %v, want %v", c.v.Name, c.typ, c.code, p.src, p.key, name, got, c.want)
		}
	}
}
