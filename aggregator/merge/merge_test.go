package merge

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// body is the merged resource without id and meta, compact.
func body(v *fhirjson.Value) string {
	v = v.Clone()
	v.Delete("id")
	v.Delete("meta")
	return string(fhirjson.Marshal(v))
}

func TestMerge(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  string
		cs   []Contributor
		want string
	}{
		{"repeating elements are the union, by recency then position; single-valued from the most recent",
			"Patient", []Contributor{
				contributor(t, "gp", "1", 0, `{"resourceType":"Patient","id":"1","identifier":[{"system":"urn:x","value":"1"}],
					"name":[{"family":"Old"}],"gender":"male","birthDate":"1970-01-01","telecom":[{"system":"phone","value":"1"}]}`),
				contributor(t, "lab", "2", 5, `{"resourceType":"Patient","id":"2","identifier":[{"system":"urn:y","value":"2"},{"system":"urn:x","value":"1"}],
					"name":[{"family":"New"},{"family":"Old"}],"gender":"female"}`),
			},
			`{"resourceType":"Patient","identifier":[{"system":"urn:y","value":"2"},{"system":"urn:x","value":"1"}],` +
				`"name":[{"family":"New"},{"family":"Old"}],"telecom":[{"system":"phone","value":"1"}],"gender":"female","birthDate":"1970-01-01"}`},
		{"a choice element comes whole from one contributor, with its primitive extension",
			"Patient", []Contributor{
				contributor(t, "gp", "1", 9, `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],"deceasedBoolean":false}`),
				contributor(t, "lab", "2", 1, `{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],
					"deceasedDateTime":"2020-01-01","_birthDate":{"extension":[{"url":"urn:e","valueString":"x"}]}}`),
			},
			`{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"1"}],` +
				`"_birthDate":{"extension":[{"url":"urn:e","valueString":"x"}]},"deceasedBoolean":false}`},
		{"root extensions: per URL, from the most recent contributor that has it",
			"Patient", []Contributor{
				contributor(t, "gp", "1", 0, `{"resourceType":"Patient","extension":[{"url":"urn:a","valueString":"old"},
					{"url":"urn:b","valueString":"b1"},{"url":"urn:b","valueString":"b2"}],"identifier":[{"system":"urn:x","value":"1"}]}`),
				contributor(t, "lab", "2", 5, `{"resourceType":"Patient","extension":[{"url":"urn:a","valueString":"new"}],
					"modifierExtension":[{"url":"urn:m","valueBoolean":true}],"identifier":[{"system":"urn:x","value":"1"}]}`),
			},
			`{"resourceType":"Patient","extension":[{"url":"urn:a","valueString":"new"},{"url":"urn:b","valueString":"b1"},{"url":"urn:b","valueString":"b2"}],` +
				`"modifierExtension":[{"url":"urn:m","valueBoolean":true}],"identifier":[{"system":"urn:x","value":"1"}]}`},
		{"a tie in recency goes to the smallest source",
			"Organization", []Contributor{
				contributor(t, "zz", "1", 3, `{"resourceType":"Organization","identifier":[{"system":"urn:o","value":"A"}],"name":"Z"}`),
				contributor(t, "aa", "1", 3, `{"resourceType":"Organization","identifier":[{"system":"urn:o","value":"A"}],"name":"A"}`),
			},
			`{"resourceType":"Organization","identifier":[{"system":"urn:o","value":"A"}],"name":"A"}`},
		{"medication: codings are a nested element, so the most recent code wins whole",
			"Medication", []Contributor{
				contributor(t, "gp", "1", 0, `{"resourceType":"Medication","code":{"coding":[{"system":"urn:s","code":"1"}],"text":"old"}}`),
				contributor(t, "lab", "2", 1, `{"resourceType":"Medication","code":{"coding":[{"system":"urn:s","code":"1"},{"system":"urn:t","code":"2"}]}}`),
			},
			`{"resourceType":"Medication","code":{"coding":[{"system":"urn:s","code":"1"},{"system":"urn:t","code":"2"}]}}`},
		{"unknown properties are dropped",
			"Person", []Contributor{
				contributor(t, "gp", "1", 0, `{"resourceType":"Person","identifier":[{"system":"urn:x","value":"1"}],"favourite":"tea","_active":{"id":"a"}}`),
			},
			`{"resourceType":"Person","identifier":[{"system":"urn:x","value":"1"}],"_active":{"id":"a"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := make([]string, len(tc.cs))
			for i, c := range tc.cs {
				before[i] = string(fhirjson.Marshal(c.Resource))
			}
			got := Merge(tc.typ, tc.cs)
			if b := body(got); b != tc.want {
				t.Errorf("Merge =\n%s\nwant\n%s", b, tc.want)
			}
			if id := got.Str("id"); id != GroupID(tc.cs) {
				t.Errorf("id = %q, want GroupID %q", id, GroupID(tc.cs))
			}
			for i, c := range tc.cs {
				if string(fhirjson.Marshal(c.Resource)) != before[i] {
					t.Errorf("contributor %d changed", i)
				}
			}
		})
	}
	if Merge("Patient", nil) != nil || Merge("Nope", []Contributor{contributor(t, "gp", "1", 0, patient("1"))}) != nil {
		t.Error("Merge of nothing or of no R4 type is not nil")
	}
}

func TestMergeRepeatingPrimitive(t *testing.T) {
	// No root element of the merged types is a repeating primitive, so
	// the pairing of "x" with "_x" is tested on one directly.
	out := fhirjson.NewObject()
	per := [][]fhirjson.Member{
		{{Name: "given", Value: parse(t, `["A","B"]`)}, {Name: "_given", Value: parse(t, `[null,{"id":"b"}]`)}},
		{{Name: "given", Value: parse(t, `["B","A","C"]`)}},
	}
	unionArray(out, humanNameGiven(t), per)
	if got, want := string(fhirjson.Marshal(out)), `{"given":["A","B","B","C"],"_given":[null,{"id":"b"},null,null]}`; got != want {
		t.Errorf("union = %s, want %s", got, want)
	}
}
