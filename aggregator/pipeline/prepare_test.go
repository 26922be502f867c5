package pipeline

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/changefeed"
)

// TestPrepare: what each kind of change becomes before the write section.
func TestPrepare(t *testing.T) {
	e := newEnv(t)
	src := spec("acme-gp", "acme")
	raw := func(typ, body string) changefeed.Change {
		return changefeed.Change{Type: typ, ID: "x", VersionID: 1, Op: changefeed.OpCreate, Resource: json.RawMessage(body)}
	}
	cases := []struct {
		name string
		stu3 bool
		ch   changefeed.Change
		// want: "" for a passing resource (then refs and typ), else rule and expression
		rule, expression string
		typ              string
		refs             string
	}{
		{name: "R4 passes, references listed once each", ch: put(1, `{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"},"performer":[{"reference":"Patient/p1"},{"reference":"https://acme-gp.example/fhir/Practitioner/d1"}]}`),
			typ: "Observation", refs: "[Patient/p1@Observation.subject Practitioner/d1@Observation.performer[1]]"},
		{name: "official STU3 example maps and passes", stu3: true, ch: put(1, stu3Example(t, "Condition-example.json")),
			typ: "Condition", refs: "[Patient/example@Condition.subject]"},
		{name: "STU3 ReferralRequest becomes a ServiceRequest", stu3: true,
			ch:  put(1, `{"resourceType":"ReferralRequest","id":"r1","status":"active","intent":"order","subject":{"reference":"Patient/p1"}}`),
			typ: "ServiceRequest", refs: "[Patient/p1@ServiceRequest.subject]"},
		{name: "STU3 type R4 dropped", stu3: true, ch: put(1, `{"resourceType":"BodySite","id":"b1"}`), rule: RuleMapping, expression: "BodySite"},
		{name: "not JSON", ch: raw("Patient", `{"resourceType":`), rule: RuleNotResource, expression: "Patient"},
		{name: "another type than the change names", ch: raw("Patient", `{"resourceType":"Observation","id":"x"}`), rule: RuleNotResource, expression: "Patient.resourceType"},
		{name: "no R4 type", ch: raw("Foo", `{"resourceType":"Foo","id":"x"}`), rule: RuleNotResource, expression: "Foo"},
		{name: "a business rule", ch: put(1, patient("p1", "9000000001", "X")), rule: "nhs-number-invalid", expression: "Patient.identifier[0].value"},
		{name: "fails the R4 validator", ch: put(1, `{"resourceType":"Observation","id":"o1","code":{"text":"x"}}`), rule: RuleR4Invalid, expression: "Observation.status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := e.p.prepare(src, e.p.checker(src.Base), tc.stu3, tc.ch)
			if got.rec == nil {
				t.Fatal("no record")
			}
			if v := got.rec.Violation; tc.rule != "" {
				if v == nil || v.Rule != tc.rule || v.Expression != tc.expression || v.Message == "" {
					t.Fatalf("violation %+v, want %s at %s", v, tc.rule, tc.expression)
				}
				if got.res != nil {
					t.Fatal("an excluded resource is kept")
				}
				return
			}
			if got.rec.Violation != nil {
				t.Fatalf("violation %+v", got.rec.Violation)
			}
			var refs []string
			for _, r := range got.rec.Refs {
				refs = append(refs, r.Type+"/"+r.ID+"@"+r.Expression)
			}
			if got.rec.Type != tc.typ || fmt.Sprint(refs) != tc.refs || got.res == nil || len(got.resJSON) == 0 {
				t.Fatalf("type %s refs %v, want %s %s", got.rec.Type, refs, tc.typ, tc.refs)
			}
			if got.rec.Customer != "acme" || got.rec.Base != src.Base || got.rec.Hash == "" {
				t.Fatalf("record %+v", got.rec)
			}
		})
	}
	if d := e.p.prepare(src, e.p.checker(src.Base), false, del(2, "Patient", "p1")); d.rec != nil {
		t.Fatal("a delete has a record")
	}
}
