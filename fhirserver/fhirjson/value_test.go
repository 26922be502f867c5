package fhirjson

import "testing"

func TestValueAccessors(t *testing.T) {
	v, err := Parse([]byte(`{"a":"x","b":1,"c":{"d":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v.Str("a") != "x" || v.Str("b") != "" || v.Get("zz") != nil || v.Get("c").Get("d").Bool != true {
		t.Error("Get/Str wrong")
	}
	var nilV *Value
	if nilV.Get("a") != nil || NewString("s").Get("a") != nil {
		t.Error("Get on nil or non-object should be nil")
	}
	c := v.Clone()
	v.Set("a", NewString("y"))
	v.Set("e", NewArray(NewBool(false)))
	if !v.Delete("b") || v.Delete("b") {
		t.Error("Delete wrong")
	}
	if got := string(Marshal(v)); got != `{"a":"y","c":{"d":true},"e":[false]}` {
		t.Errorf("after edits: %s", got)
	}
	if got := string(Marshal(c)); got != `{"a":"x","b":1,"c":{"d":true}}` {
		t.Errorf("clone changed with the original: %s", got)
	}
	c.Get("c").Set("d", NewBool(false))
	if !v.Get("c").Get("d").Bool {
		t.Error("clone shares nested objects")
	}
}
