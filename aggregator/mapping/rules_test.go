package mapping

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/defs"
	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

// Every rule is keyed by a node STU3 really has, so none is dead.
func TestRulesAreOnSTU3Nodes(t *testing.T) {
	for path := range rulesByPath() {
		typ := path
		if i := indexDot(path); i >= 0 {
			typ = path[:i]
		}
		st := defs.STU3.Type(typ)
		if st == nil || st.Node(path) == nil {
			t.Errorf("rule on %s: no such STU3 node", path)
		}
	}
}

func indexDot(s string) int {
	for i := range s {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

func TestRename(t *testing.T) {
	obj, _ := fhirjson.Parse([]byte(`{"a":1,"old":"x","_old":{"id":"i"},"z":2}`))
	rename(obj, "old", "new")
	if got, want := string(fhirjson.Marshal(obj)), `{"a":1,"new":"x","_new":{"id":"i"},"z":2}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestCodeToConcept(t *testing.T) {
	obj, _ := fhirjson.Parse([]byte(`{"status":"active","_status":{"id":"s"}}`))
	codeToConcept(obj, "status", "http://example.org/cs")
	if got, want := string(fhirjson.Marshal(obj)), `{"status":{"coding":[{"system":"http://example.org/cs","code":"active","_code":{"id":"s"}}]}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestRefersTo(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		want bool
	}{
		{`{"reference":"EpisodeOfCare/1"}`, true},
		{`{"reference":"http://example.org/fhir/EpisodeOfCare/1"}`, true},
		{`{"reference":"Encounter/1"}`, false},
		{`{"display":"EpisodeOfCare"}`, false},
	} {
		v, _ := fhirjson.Parse([]byte(tc.ref))
		if got := refersTo(v, "EpisodeOfCare"); got != tc.want {
			t.Errorf("refersTo(%s) = %v, want %v", tc.ref, got, tc.want)
		}
	}
}
