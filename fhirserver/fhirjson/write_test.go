package fhirjson

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"<a&b>", `"<a&b>"`},
		{"é日😀", `"é日😀"`},
		{"bad\xffutf8", "\"bad\ufffdutf8\""},
		{"\u2028", "\"\u2028\""},
		{"", `""`},
	}
	for _, tt := range tests {
		if got := string(AppendString(nil, tt.in)); got != tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarshalBuiltValues(t *testing.T) {
	o := NewObject()
	o.Set("resourceType", NewString("Observation"))
	o.Set("valueDecimal", NewNumber("1.50"))
	o.Set("flag", NewBool(false))
	o.Set("list", NewArray(NewNumber("12345678901234567890"), &Value{Kind: Null}, nil))
	o.Set("empty", NewNumber(""))
	want := `{"resourceType":"Observation","valueDecimal":1.50,"flag":false,"list":[12345678901234567890,null,null],"empty":0}`
	if got := string(Marshal(o)); got != want {
		t.Errorf("Marshal = %s\nwant %s", got, want)
	}
	if got := string(Marshal(nil)); got != "null" {
		t.Errorf("Marshal(nil) = %s", got)
	}
}

func TestMarshalIndent(t *testing.T) {
	v, err := Parse([]byte(`{"a":[1,{"b":"x"}],"e":[],"o":{},"n":-0.0}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "a": [
    1,
    {
      "b": "x"
    }
  ],
  "e": [],
  "o": {},
  "n": -0.0
}`
	if got := string(MarshalIndent(v)); got != want {
		t.Errorf("MarshalIndent =\n%s\nwant\n%s", got, want)
	}
	again, err := Parse(MarshalIndent(v))
	if err != nil || !again.Equal(v) {
		t.Errorf("indented text does not read back equal: %v", err)
	}
}

func TestAppendJSONAppends(t *testing.T) {
	got := AppendJSON([]byte("prefix:"), NewArray(NewString("a")))
	if string(got) != `prefix:["a"]` {
		t.Errorf("got %s", got)
	}
}

func BenchmarkMarshalObservation(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(packagesDir(b), "r4", "package", "Observation-example.json"))
	if err != nil {
		b.Fatal(err)
	}
	v, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		buf = AppendJSON(buf[:0], v)
	}
}
