package fhirjson

import (
	"errors"
	"testing"
)

func TestSyntaxErrorText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"{\n  \"a\": [1,\n  2,,]}", `invalid JSON at line 3, column 5 (at a[2]): unexpected character ',', expected a value`},
		{`{"a":1,"a":2}`, `invalid JSON at line 1, column 8: duplicate key "a"`},
		{"\xEF\xBB\xBF[1 2]", `invalid JSON at line 1, column 4: unexpected character '2' in an array, expected ',' or ']'`},
		{"[\"\x01\"]", `invalid JSON at line 1, column 3 (at [0]): control character U+0001 in a string must be escaped`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if se.Error() != tt.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", tt.in, se.Error(), tt.want)
		}
	}
}

func TestSyntaxErrorOffsetCountsBOM(t *testing.T) {
	_, err := Parse([]byte("\xEF\xBB\xBF{x}"))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 4 || se.Column != 2 {
		t.Errorf("got %+v, want offset 4 (after the 3-byte mark) and column 2", se)
	}
}
