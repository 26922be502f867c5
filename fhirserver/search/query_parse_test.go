package search

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/outcome"
)

func TestParseQuery(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	q, err := e.parseQuery("Observation", url.Values{
		"code":                          {"a,b", "c"},
		"subject:Patient.name":          {"peter"},
		"_has:Observation:patient:code": {"x"},
		"nosuch":                        {"1"},
		"_count":                        {"5000"},
		"_total":                        {"accurate"},
		"_sort":                         {"-date,code"},
		"_include":                      {"Observation:subject"},
		"_revinclude:iterate":           {"Provenance:target"},
		"_elements":                     {"id"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.clauses) != 4 {
		t.Errorf("clauses = %d, want 4 (code twice, chain, _has)", len(q.clauses))
	}
	if q.count != 1000 || q.total != "accurate" || len(q.sort) != 2 || !q.sort[0].desc || q.sort[1].code != "code" {
		t.Errorf("result params: count %d total %s sort %+v", q.count, q.total, q.sort)
	}
	if len(q.includes) != 1 || len(q.revinclude) != 1 || !q.revinclude[0].iterate {
		t.Errorf("includes %+v revincludes %+v", q.includes, q.revinclude)
	}
	if len(q.unknown) != 1 || q.unknown[0] != "nosuch" || q.self.Has("nosuch") {
		t.Errorf("unknown %v self %v", q.unknown, q.self)
	}
	if q.self.Get("_count") != "1000" || q.self.Get("_elements") != "id" || len(q.self["code"]) != 2 {
		t.Errorf("self %v", q.self)
	}
	var codes []string
	for _, c := range q.clauses {
		if c.param != nil && c.param.code == "code" && c.chain == nil {
			codes = append(codes, strings.Join(c.values, "|"))
		}
	}
	if strings.Join(codes, " ") != "a|b c" {
		t.Errorf("code clauses %v, want OR a,b AND c", codes)
	}
}

func TestParseQueryErrors(t *testing.T) {
	e := mustEngine(t, defs.R4, nil)
	cases := []struct {
		typ, key, value, expr string
	}{
		{"Patient", "birthdate", "2013-99", "birthdate"},
		{"Patient", "name", "", "name"},
		{"Patient", "name:missing", "yes", "name:missing"},
		{"Patient", "gender:not", "", "gender:not"},
		{"Patient", "birthdate:exact", "2013", "birthdate:exact"},
		{"Patient", "name.family", "x", "name.family"},
		{"Observation", "subject:NoSuchType.name", "x", "subject:NoSuchType.name"},
		{"Observation", "subject:Patient.nosuch", "x", "subject:Patient.nosuch"},
		{"Patient", "_has:Observation", "x", "_has:Observation"},
		{"Patient", "_has:NoType:patient:code", "x", "_has:NoType:patient:code"},
		{"Patient", "_count", "many", "_count"},
		{"Patient", "_total", "some", "_total"},
		{"Patient", "_summary", "maybe", "_summary"},
		{"Patient", "_sort", "nosuch", "_sort"},
		{"Patient", "_include", "Patient", "_include"},
		{"Patient", "_include", "Patient:name", "_include"},
		{"Observation", "code-value-quantity", "a$b$c", "code-value-quantity"},
		{"Observation", "value-quantity", "5|a", "value-quantity"},
		{"Observation", strings.Repeat("patient.link.", 5) + "name", "x", strings.Repeat("patient.link.", 5) + "name"},
	}
	for _, c := range cases {
		_, err := e.parseQuery(c.typ, url.Values{c.key: {c.value}})
		oe, ok := outcome.As(err)
		if !ok || oe.Status != 400 || len(oe.Issues) == 0 || len(oe.Issues[0].Expression) == 0 || oe.Issues[0].Expression[0] != c.expr {
			t.Errorf("%s?%s=%s: got %v, want 400 at %s", c.typ, c.key, c.value, err, c.expr)
		}
	}
}

// FuzzParseQuery: no query may panic, and every failure is a client error.
func FuzzParseQuery(f *testing.F) {
	e, err := NewEngine(defs.R4, nil, Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"name=peter", "birthdate=ge2013-01", "value-quantity=5.4|http://unitsofmeasure.org|mg",
		"subject:Patient.organization.name=x", "_has:Observation:patient:_has:Observation:has-member:code=1",
		"code-value-quantity=a|b$gt5", "_sort=-date,code&_count=3", "identifier:of-type=a|b|c",
		"url:above=http://a/b/c", "_include:iterate=Observation:*", "date=ap2013", "code=a\\,b,c",
	} {
		f.Add("Observation", s)
	}
	f.Fuzz(func(t *testing.T, typ, query string) {
		params, err := url.ParseQuery(query)
		if err != nil || e.reg.params(typ) == nil {
			return
		}
		if _, err := e.parseQuery(typ, params); err != nil {
			if oe, ok := outcome.As(err); !ok || oe.Status != 400 {
				t.Fatalf("%s?%s: non-400 error %v", typ, query, err)
			}
		}
	})
}

// TestCompositeWithReferenceComponent: a composite whose component is a
// reference (DocumentReference.relationship, STU3 Observation.related)
// compiles without the parameter definition its component lacks; it used
// to dereference a nil definition and panic. (The published
// DocumentReference.relationship swaps its component expressions, so only
// Observation.related can show a positive match.)
func TestCompositeWithReferenceComponent(t *testing.T) {
	r4 := smallStore(t, defs.R4,
		`{"resourceType":"DocumentReference","id":"d1","status":"current","content":[{"attachment":{"url":"http://x/1"}}],
		  "relatesTo":[{"code":"replaces","target":{"reference":"DocumentReference/d0"}}]}`)
	expect(t, r4, "DocumentReference", "relationship=Patient/1$replaces")
	expect(t, r4, "DocumentReference", "relationship=a$b")
	expect(t, r4, "Patient", "_has:DocumentReference:subject:relationship=Patient/1$replaces")
	// The published definitions paired the components the wrong way round
	// (hack/gendefs corrects them): the relatesTo target, then its code.
	expect(t, r4, "DocumentReference", "relationship=DocumentReference/d0$replaces", "DocumentReference/d1")
	expect(t, r4, "DocumentReference", "relationship=d0$replaces", "DocumentReference/d1")
	expect(t, r4, "DocumentReference", "relationship=DocumentReference/d0$appends")
	stu3 := smallStore(t, defs.STU3,
		`{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},
		  "related":[{"type":"derived-from","target":{"reference":"Observation/o0"}}]}`)
	expect(t, stu3, "DocumentReference", "relationship=a$b")
	stu3docs := smallStore(t, defs.STU3,
		`{"resourceType":"DocumentReference","id":"d1","status":"current","type":{"text":"note"},"indexed":"2020-01-01T00:00:00Z",
		  "content":[{"attachment":{"url":"http://x/1"}}],"relatesTo":[{"code":"replaces","target":{"reference":"DocumentReference/d0"}}]}`)
	expect(t, stu3docs, "DocumentReference", "relationship=DocumentReference/d0$replaces", "DocumentReference/d1")
	expect(t, stu3, "Observation", "related=a$b")
	expect(t, stu3, "Observation", "related=Observation/o0$derived-from", "Observation/o1")
	expect(t, stu3, "Observation", "related=o0$derived-from", "Observation/o1")
	expect(t, stu3, "Observation", "related=Observation/o0$has-member")
}

// TestParseQueryDiagnostics: messages quote what the client wrote — the
// whole value ("notadate", the prefix split used to eat "no"), the
// modifier once — and STU3 refuses the modifiers R4 added.
func TestParseQueryDiagnostics(t *testing.T) {
	cases := []struct {
		v                       *defs.Version
		typ, key, value         string
		wantExpr, want, wantNot string
	}{
		{defs.R4, "Patient", "birthdate", "notadate", "birthdate", `"notadate"`, ""},
		{defs.R4, "Patient", "birthdate", "xx2020", "birthdate", `"xx2020"`, ""},
		{defs.R4, "Observation", "code:of-type", "x", "code:of-type", "code:of-type needs", "of-type:of-type"},
		{defs.R4, "Patient", "name:of-type", "x", "name:of-type", "parameter name", "name:of-type"},
		{defs.R4, "Observation", "subject:Patient", "Group/1", "subject:Patient", "subject:Patient does not match", "Patient:Patient"},
		{defs.STU3, "Patient", "identifier:of-type", "a|b|c", "identifier:of-type", "STU3", ""},
		{defs.STU3, "Observation", "subject:identifier", "a|b", "subject:identifier", "STU3", ""},
	}
	for _, c := range cases {
		t.Run(c.v.Name+" "+c.key+"="+c.value, func(t *testing.T) {
			e := mustEngine(t, c.v, nil)
			_, err := e.parseQuery(c.typ, url.Values{c.key: {c.value}})
			oe, ok := outcome.As(err)
			if !ok || oe.Status != 400 {
				t.Fatalf("got %v, want a 400", err)
			}
			is := oe.Issues[0]
			if len(is.Expression) != 1 || is.Expression[0] != c.wantExpr {
				t.Errorf("expression %v, want %s", is.Expression, c.wantExpr)
			}
			if !strings.Contains(is.Diagnostics, c.want) || (c.wantNot != "" && strings.Contains(is.Diagnostics, c.wantNot)) {
				t.Errorf("diagnostics %q: want %q in it and not %q", is.Diagnostics, c.want, c.wantNot)
			}
		})
	}
	// R4 keeps both modifiers.
	e := mustEngine(t, defs.R4, nil)
	for _, q := range []url.Values{{"identifier:of-type": {"a|b|c"}}, {"general-practitioner:identifier": {"a|b"}}} {
		if _, err := e.parseQuery("Patient", q); err != nil {
			t.Errorf("R4 %v: %v", q, err)
		}
	}
}
