package search

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
)

// TestTokenSystemRange: system| reads the range of the system's
// code-and-system entries (index format 15 writes no system-only entry):
// every resource with a code of the system, once however many codes of it
// it has, and one whose coding has the system but no code; not a system
// that only starts with it. system|code and |code are exact as before, and
// a composite's token part answers system| too.
func TestTokenSystemRange(t *testing.T) {
	coding := func(system, code string) string {
		switch {
		case system == "":
			return fmt.Sprintf(`{"code":%q}`, code)
		case code == "":
			return fmt.Sprintf(`{"system":%q}`, system)
		}
		return fmt.Sprintf(`{"system":%q,"code":%q}`, system, code)
	}
	obs := func(id string, codings ...string) string {
		cs := ""
		for i, c := range codings {
			if i > 0 {
				cs += ","
			}
			cs += c
		}
		return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","code":{"coding":[%s]},`+
			`"valueQuantity":{"value":%d,"system":"http://unitsofmeasure.org","code":"kg"}}`, id, cs, len(id))
	}
	const loinc, snomed, loincX = "http://loinc.org", "http://snomed.info/sct", "http://loinc.org.x"
	f := smallStore(t, defs.R4,
		obs("o1", coding(loinc, "1-8")),
		obs("o2", coding(loinc, "1-8"), coding(loinc, "2-6"), coding(snomed, "123")), // two codes of loinc
		obs("o3", coding(snomed, "123")),
		obs("o4", coding(loinc, "")), // the system alone
		obs("o5", coding("", "1-8")), // the code alone
		obs("o6", coding(loincX, "1-8")),
		obs("o77", coding(loinc, "9-9")),
	)
	for _, en := range entriesOf(t, f.e, obs("o2", coding(loinc, "1-8"))) {
		if en.Value[0] == 's' {
			t.Errorf("%s: a system-only entry %q", en.Param, en.Value)
		}
	}
	for _, q := range []struct {
		query string
		want  []string
	}{
		{"code=" + loinc + "|", []string{"o1", "o2", "o4", "o77"}},
		{"code=" + loinc + "|&_sort=-_id", []string{"o77", "o4", "o2", "o1"}},
		{"code=" + snomed + "|", []string{"o2", "o3"}},
		{"code=" + loincX + "|", []string{"o6"}},
		{"code:not=" + loinc + "|", []string{"o3", "o5", "o6"}},
		{"code=" + loinc + "|1-8", []string{"o1", "o2"}},
		{"code=|1-8", []string{"o5"}},
		{"code=1-8", []string{"o1", "o2", "o5", "o6"}},
		{"code=" + loinc + "|,|1-8", []string{"o1", "o2", "o4", "o5", "o77"}},
		{"code-value-quantity=" + loinc + "|$3", []string{"o77"}},
		{"code-value-quantity=" + snomed + "|$3", nil},
		{"code-value-quantity=" + loinc + "|$2", []string{"o1", "o2", "o4"}},
		{"code-value-quantity=" + loinc + "|9-9$3", []string{"o77"}},
	} {
		var want []string
		for _, id := range q.want {
			want = append(want, "Observation/"+id)
		}
		expect(t, f, "Observation", q.query, want...)
	}
	r := searchReq(t, f, Request{ResourceType: "Observation", Params: url.Values{"code": {loinc + "|"}, "_summary": {"count"}}})
	if r.Total != 4 {
		t.Errorf("code=%s|: total %d, want 4 (o2 once)", loinc, r.Total)
	}
}
