package merge

import (
	"slices"
	"testing"

	"github.com/fhirfleet/fhirfleet/aggregator/rules"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestRewriteReferences(t *testing.T) {
	known := map[string]string{"Patient/p1": "PDOWN", "Encounter/e1": "EDOWN", "Practitioner/d1": "DDOWN"}
	resolve := func(typ, id string) (string, bool) {
		d, ok := known[typ+"/"+id]
		return d, ok
	}
	for _, tc := range []struct {
		name, res, want string
		missing         []rules.Ref
	}{
		{"top level and in arrays",
			`{"resourceType":"Observation","subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},
				"performer":[{"reference":"Practitioner/d1"},{"reference":"Practitioner/d2","display":"Dr"}]}`,
			`{"resourceType":"Observation","subject":{"reference":"Patient/PDOWN"},"encounter":{"reference":"Encounter/EDOWN"},` +
				`"performer":[{"reference":"Practitioner/DDOWN"},{"reference":"Practitioner/d2","display":"Dr"}]}`,
			[]rules.Ref{{Type: "Practitioner", ID: "d2", Expression: "Observation.performer[1]"}}},
		{"backbone, choice type, extension, primitive extension",
			`{"resourceType":"Encounter","participant":[{"individual":{"reference":"Practitioner/d1"}}],
				"extension":[{"url":"urn:a","valueReference":{"reference":"Patient/p9"}}],
				"_status":{"extension":[{"url":"urn:b","valueReference":{"reference":"Patient/p1"}}]}}`,
			`{"resourceType":"Encounter","participant":[{"individual":{"reference":"Practitioner/DDOWN"}}],` +
				`"extension":[{"url":"urn:a","valueReference":{"reference":"Patient/p9"}}],` +
				`"_status":{"extension":[{"url":"urn:b","valueReference":{"reference":"Patient/PDOWN"}}]}}`,
			[]rules.Ref{{Type: "Patient", ID: "p9", Expression: "Encounter.extension[0].valueReference"}}},
		{"contained resources, and what is no Type/id is left alone",
			`{"resourceType":"Condition","contained":[{"resourceType":"Observation","id":"x","subject":{"reference":"Patient/p1"}}],
				"subject":{"reference":"#x"},"asserter":{"reference":"Foo/1"},"recorder":{"identifier":{"value":"1"}}}`,
			`{"resourceType":"Condition","contained":[{"resourceType":"Observation","id":"x","subject":{"reference":"Patient/PDOWN"}}],` +
				`"subject":{"reference":"#x"},"asserter":{"reference":"Foo/1"},"recorder":{"identifier":{"value":"1"}}}`,
			nil},
		{"canonicals and uris are not references",
			`{"resourceType":"Observation","meta":{"profile":["Patient/p1"]},"subject":{"reference":"Patient/p1"}}`,
			`{"resourceType":"Observation","meta":{"profile":["Patient/p1"]},"subject":{"reference":"Patient/PDOWN"}}`,
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := parse(t, tc.res)
			missing := RewriteReferences(v, resolve)
			if got := string(fhirjson.Marshal(v)); got != tc.want {
				t.Errorf("rewritten =\n%s\nwant\n%s", got, tc.want)
			}
			if !slices.Equal(missing, tc.missing) {
				t.Errorf("missing = %+v, want %+v", missing, tc.missing)
			}
		})
	}
	if RewriteReferences(parse(t, `{"resourceType":"Nope","subject":{"reference":"Patient/p1"}}`), resolve) != nil {
		t.Error("no R4 resource, yet something is missing")
	}
}
