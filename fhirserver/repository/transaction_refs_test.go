package repository

import (
	"sort"
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func mustParse(t testing.TB, s string) *fhirjson.Value {
	t.Helper()
	v, err := fhirjson.Parse([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func TestRewriteRefs(t *testing.T) {
	ids := map[string]string{"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a": "Patient/7"}
	in := `{"resourceType":"Observation","subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"},` +
		`"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a\">p</a></div>"},` +
		`"focus":[{"reference":"urn:uuid:other"}],"note":[{"text":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a is the patient"}],` +
		`"derivedFrom":[{"reference":"Patient/1"}]}`
	want := `{"resourceType":"Observation","subject":{"reference":"Patient/7"},` +
		`"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"Patient/7\">p</a></div>"},` +
		`"focus":[{"reference":"urn:uuid:other"}],"note":[{"text":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a is the patient"}],` +
		`"derivedFrom":[{"reference":"Patient/1"}]}`
	v := mustParse(t, in)
	rewriteRefs(v, ids)
	if got := string(fhirjson.Marshal(v)); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestConditionalRefs(t *testing.T) {
	v := mustParse(t, `{"a":{"reference":"Patient?identifier=http://x|1"},"b":[{"reference":"Patient/1"},`+
		`{"reference":"Organization?name=acme&active=true"},{"reference":"?x=1"},{"reference":"patient?x=1"},`+
		`{"reference":"Patient?identifier=http://x|1"}]}`)
	got := map[string]bool{}
	conditionalRefs(v, got)
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"Organization?name=acme&active=true", "Patient?identifier=http://x|1"}
	if len(keys) != len(want) || keys[0] != want[0] || keys[1] != want[1] {
		t.Errorf("got %q, want %q", keys, want)
	}
}

func TestActionRank(t *testing.T) {
	order := []Action{ActionDelete, ActionCreate, ActionUpdate, ActionPatch}
	want := []int{0, 1, 2, 2}
	for i, a := range order {
		if got := actionRank(a); got != want[i] {
			t.Errorf("actionRank(%s) = %d, want %d", a, got, want[i])
		}
	}
}

func TestIsTypeName(t *testing.T) {
	for s, want := range map[string]bool{"Patient": true, "A1": true, "": false, "patient": false, "Pa-t": false, "Pa/t": false} {
		if got := IsTypeName(s); got != want {
			t.Errorf("IsTypeName(%q) = %v", s, got)
		}
	}
}
