package fhirjson

import "testing"

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same object", `{"a":1,"b":[true,null,"x"]}`, `{"a":1,"b":[true,null,"x"]}`, true},
		{"decimal literal differs", `{"a":1.50}`, `{"a":1.5}`, false},
		{"member order matters", `{"a":1,"b":2}`, `{"b":2,"a":1}`, false},
		{"array length", `[1,2]`, `[1,2,3]`, false},
		{"kind", `"1"`, `1`, false},
		{"bool", `true`, `false`, false},
		{"nested string", `{"a":{"b":"x"}}`, `{"a":{"b":"y"}}`, false},
		{"escapes decode equal", `"\u00e9"`, `"é"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse([]byte(tt.a))
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse([]byte(tt.b))
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Equal(b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
		})
	}
	var n *Value
	if !n.Equal(nil) || n.Equal(NewBool(true)) {
		t.Error("nil handling wrong")
	}
}
