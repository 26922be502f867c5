package fhirjson

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// want is the compact re-encoding, which shows what was read.
		want string
	}{
		{"object", `{"a":1,"b":"x"}`, `{"a":1,"b":"x"}`},
		{"whitespace everywhere", " \t\r\n{ \"a\" : [ 1 , 2 ] } \n", `{"a":[1,2]}`},
		{"decimal kept as written", `{"v":1.50}`, `{"v":1.50}`},
		{"exponent kept", `[1e2,1E+2,1e-2,-0.0,0]`, `[1e2,1E+2,1e-2,-0.0,0]`},
		{"big integer kept", `12345678901234567890`, `12345678901234567890`},
		{"long decimal kept", `3.141592653589793238462643383279`, `3.141592653589793238462643383279`},
		{"literals", `[true,false,null]`, `[true,false,null]`},
		{"empty containers", `{"a":{},"b":[]}`, `{"a":{},"b":[]}`},
		{"byte-order mark skipped", "\xEF\xBB\xBF{\"a\":1}", `{"a":1}`},
		{"escapes decoded", `"\"\\\/\b\f\n\r\t\u0041\u00e9"`, `"\"\\/\b\f\n\r\tAé"`},
		{"surrogate pair joined", `"\ud83d\ude00"`, "\"\U0001F600\""},
		{"utf-8 kept", `"Ωmega 日本 😀"`, `"Ωmega 日本 😀"`},
		{"same key in different objects", `{"a":{"x":1},"b":{"x":1}}`, `{"a":{"x":1},"b":{"x":1}}`},
		{"top-level string", `"x"`, `"x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := string(Marshal(v)); got != tt.want {
				t.Errorf("Marshal = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		reason reason
		msg    string // substring of Msg
		path   string
		line   int
		column int
	}{
		{"empty input", ``, reasonSyntax, "end of input", "", 1, 1},
		{"only spaces", `   `, reasonSyntax, "end of input", "", 1, 4},
		{"trailing comma object", `{"a":1,}`, reasonSyntax, "trailing comma", "", 1, 8},
		{"trailing comma array", `{"a":[1,]}`, reasonSyntax, "trailing comma", "a", 1, 9},
		{"NaN", `{"a":NaN}`, reasonSyntax, "expected a value", "a", 1, 6},
		{"Infinity", `[-Infinity]`, reasonSyntax, "expected a digit", "[0]", 1, 3},
		{"leading zero", `{"a":01}`, reasonSyntax, "leading zeros", "a", 1, 7},
		{"plus sign", `+1`, reasonSyntax, "expected a value", "", 1, 1},
		{"bare point", `1.`, reasonSyntax, "after the decimal point", "", 1, 3},
		{"point first", `.5`, reasonSyntax, "expected a value", "", 1, 1},
		{"empty exponent", `1e`, reasonSyntax, "exponent", "", 1, 3},
		{"single quotes", `{'a':1}`, reasonSyntax, "member name", "", 1, 2},
		{"unquoted key", `{a:1}`, reasonSyntax, "member name", "", 1, 2},
		{"raw newline in string", "{\"a\":\"x\ny\"}", reasonSyntax, "control character U+000A", "a", 1, 8},
		{"raw tab in string", "[\"\t\"]", reasonSyntax, "control character", "[0]", 1, 3},
		{"bad escape", `["\x"]`, reasonSyntax, `invalid escape \x`, "[0]", 1, 3},
		{"short unicode escape", `["\u12"]`, reasonSyntax, "four hex digits", "[0]", 1, 3},
		{"lone high surrogate", `["\ud800x"]`, reasonSurrogate, "unpaired surrogate", "[0]", 1, 3},
		{"lone low surrogate", `["\udc00"]`, reasonSurrogate, "unpaired surrogate", "[0]", 1, 3},
		{"invalid utf-8", "{\"a\":\"\xff\"}", reasonUTF8, "UTF-8", "a", 1, 7},
		{"truncated utf-8", "[\"\xe6\x97\"]", reasonUTF8, "UTF-8", "[0]", 1, 3},
		{"invalid utf-8 in key", "{\"\xc0\xaf\":1}", reasonUTF8, "UTF-8", "", 1, 3},
		{"invalid utf-8 after escape", "[\"\\n\xff\"]", reasonUTF8, "UTF-8", "[0]", 1, 5},
		{"two values", `{} {}`, reasonSyntax, "after the top-level value", "", 1, 4},
		{"unclosed object", `{"a":1`, reasonSyntax, "end of input", "", 1, 7},
		{"unclosed string", `{"a":"x`, reasonSyntax, "end of input", "a", 1, 8},
		{"missing colon", `{"a" 1}`, reasonSyntax, "expected ':'", "", 1, 6},
		{"missing comma", `[1 2]`, reasonSyntax, "expected ',' or ']'", "", 1, 4},
		{"bad literal", `[tru]`, reasonSyntax, "expected true", "[0]", 1, 2},
		{"duplicate key", `{"a":1,"a":2}`, reasonDuplicate, `duplicate key "a"`, "", 1, 8},
		{"nested duplicate with path", "{\"name\":[{\"family\":\"x\"},\n{\"given\":[],\"family\":\"y\",\"family\":\"z\"}]}",
			reasonDuplicate, `duplicate key "family"`, "name[1]", 2, 26},
		{"bom in the middle", "{\"a\":1}\xEF\xBB\xBF", reasonSyntax, "byte 0xEF", "", 1, 8},
		{"column counts characters", "{\"é\":1,\"é\":2}", reasonDuplicate, `duplicate key "é"`, "", 1, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse accepted it: %s", Marshal(v))
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			if se.reason != tt.reason || !strings.Contains(se.Msg, tt.msg) || se.Path != tt.path ||
				se.Line != tt.line || se.Column != tt.column {
				t.Errorf("got reason %d msg %q path %q at %d:%d; want reason %d msg ~%q path %q at %d:%d",
					se.reason, se.Msg, se.Path, se.Line, se.Column, tt.reason, tt.msg, tt.path, tt.line, tt.column)
			}
			if !strings.Contains(err.Error(), se.Msg) {
				t.Errorf("Error() %q lacks the message", err.Error())
			}
		})
	}
}

func TestParseDuplicateKeyInLargeObject(t *testing.T) {
	// Past objectMapAt members duplicates are found with a map; make sure
	// both the names before and after the switch are covered.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 3*objectMapAt; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1`)
	}
	ok := b.String() + "}"
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatalf("distinct keys rejected: %v", err)
	}
	for _, dup := range []int{0, objectMapAt - 1, objectMapAt, 2 * objectMapAt} {
		in := b.String() + `,"k` + strings.Repeat("x", dup) + `":2}`
		_, err := Parse([]byte(in))
		var se *SyntaxError
		if !errors.As(err, &se) || se.reason != reasonDuplicate {
			t.Errorf("duplicate of member %d not found: %v", dup, err)
		}
	}
}

func TestParseMaxDepth(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	if _, err := Parse(deep(DefaultMaxDepth)); err != nil {
		t.Errorf("depth %d rejected: %v", DefaultMaxDepth, err)
	}
	_, err := Parse(deep(DefaultMaxDepth + 1))
	var se *SyntaxError
	if !errors.As(err, &se) || se.reason != reasonDepth {
		t.Errorf("depth %d accepted or wrong error: %v", DefaultMaxDepth+1, err)
	}
	if _, err := Parse(deep(5), WithMaxDepth(4)); err == nil {
		t.Error("WithMaxDepth(4) accepted depth 5")
	}
	if _, err := Parse(deep(1000), WithMaxDepth(1000)); err != nil {
		t.Errorf("WithMaxDepth(1000) rejected depth 1000: %v", err)
	}
	objs := []byte(strings.Repeat(`{"a":`, 3) + "1" + strings.Repeat("}", 3))
	if _, err := Parse(objs, WithMaxDepth(2)); err == nil {
		t.Error("object nesting not limited")
	}
}

func TestParseDoesNotShareInput(t *testing.T) {
	in := []byte(`{"a":"text","b":1.5}`)
	v, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'X'
	}
	if v.Str("a") != "text" || v.Get("b").Text != "1.5" {
		t.Errorf("value changed with the input buffer: %s", Marshal(v))
	}
}

func TestParseOwnInputSharesInput(t *testing.T) {
	in := []byte(`{"a":"text"}`)
	v, err := Parse(in, OwnInput())
	if err != nil {
		t.Fatal(err)
	}
	if v.Str("a") != "text" {
		t.Fatalf("read %s", Marshal(v))
	}
	copy(in[6:], "TEXT")
	if v.Str("a") != "TEXT" {
		t.Error("with OwnInput the tree should share the input (that is the point)")
	}
	if _, err := Parse(nil, OwnInput()); err == nil {
		t.Error("empty owned input accepted")
	}
}

func TestParsedSlicesDoNotOverlap(t *testing.T) {
	// Members and items are carved from shared slabs; appending to one
	// must never overwrite its neighbour.
	v, err := Parse([]byte(`{"x":{"a":1},"y":{"b":2},"l":[1],"m":[2]}`))
	if err != nil {
		t.Fatal(err)
	}
	v.Get("x").Set("c", NewNumber("3"))
	v.Get("l").Items = append(v.Get("l").Items, NewNumber("9"))
	want := `{"x":{"a":1,"c":3},"y":{"b":2},"l":[1,9],"m":[2]}`
	if got := string(Marshal(v)); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestParseLargeDocumentSpansSlabs(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 50000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"k":[1,"s",{"d":0.10}]}`)
	}
	b.WriteString("]")
	v, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Items) != 50000 || v.Items[49999].Get("k").Items[2].Get("d").Text != "0.10" {
		t.Error("large document read wrongly")
	}
	if got := string(Marshal(v)); got != b.String() {
		t.Error("large document does not round-trip")
	}
}

func BenchmarkParseObservationOwnInput(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(packagesDir(b), "r4", "package", "Observation-example.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, OwnInput()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseObservation(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(packagesDir(b), "r4", "package", "Observation-example.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
