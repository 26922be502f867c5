package repository

import (
	"testing"

	"github.com/fhirfleet/fhirfleet/fhirserver/fhirjson"
)

func TestRemoveNode(t *testing.T) {
	v := mustParse(t, `{"a":"x","_a":{"id":"1"},"b":[{"c":1},{"c":2}],"d":[{"e":"only"}]}`)
	if !removeNode(v, v.Get("a")) || !removeNode(v, v.Get("b").Items[0]) || !removeNode(v, v.Get("d").Items[0]) {
		t.Fatal("removeNode failed")
	}
	if removeNode(v, fhirjson.NewString("x")) {
		t.Error("removed a node that is not in the tree")
	}
	if got := string(fhirjson.Marshal(v)); got != `{"b":[{"c":2}]}` {
		t.Errorf("got %s", got)
	}
}

func TestPatchValue(t *testing.T) {
	v, err := patchValue(mustParse(t, `{"name":"value","part":[{"name":"system","valueUri":"s"},{"name":"period","part":[{"name":"start","valueDateTime":"2020"}]}]}`))
	if err != nil || string(fhirjson.Marshal(v)) != `{"system":"s","period":{"start":"2020"}}` {
		t.Errorf("%s %v", fhirjson.Marshal(v), err)
	}
	if _, err := patchValue(mustParse(t, `{"name":"value"}`)); err == nil {
		t.Error("a value part without a value accepted")
	}
	if _, err := patchValue(nil); err == nil {
		t.Error("a missing value part accepted")
	}
}

func TestAtoi(t *testing.T) {
	for s, want := range map[string]int{"0": 0, "12": 12} {
		if n, ok := atoi(s); !ok || n != want {
			t.Errorf("atoi(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"", "-1", "1.5", "99999999999999"} {
		if _, ok := atoi(s); ok {
			t.Errorf("atoi(%q) accepted", s)
		}
	}
}
