package fhirjson

import (
	"errors"
	"strings"
	"testing"
)

func TestParseStrings(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  reason
		ok   bool
	}{
		{`"plain"`, "plain", 0, true},
		{`"a\"b"`, `a"b`, 0, true},
		{`"\\\/\b\f\n\r\t"`, "\\/\b\f\n\r\t", 0, true},
		{`"\u0041\u00E9\u65e5"`, "Aé日", 0, true},
		{`"\uD834\uDD1E"`, "\U0001D11E", 0, true},
		{`"mixed é \n text 日本 \u0021 end"`, "mixed é \n text 日本 ! end", 0, true},
		{`"` + strings.Repeat(`ab\n`, 1000) + `"`, strings.Repeat("ab\n", 1000), 0, true},
		{`"\uD834"`, "", reasonSurrogate, false},
		{`"\uD834\u0041"`, "", reasonSurrogate, false},
		{`"\uDD1E\uD834"`, "", reasonSurrogate, false},
		{`"\u00G0"`, "", reasonSyntax, false},
		{`"\a"`, "", reasonSyntax, false},
		{"\"\x7f\"", "\x7f", 0, true}, // DEL is not a control character in JSON
		{"\"\x1f\"", "", reasonSyntax, false},
		{"\"\xed\xa0\x80\"", "", reasonUTF8, false},     // UTF-8 encoded surrogate
		{"\"\xf4\x90\x80\x80\"", "", reasonUTF8, false}, // beyond U+10FFFF
		{`"\`, "", reasonSyntax, false},
		{`"abc\n`, "", reasonSyntax, false},
		// A quote after an even run of backslashes ends the string.
		{`"a\\"`, `a\`, 0, true},
		{`"a\\\"b"`, `a\"b`, 0, true},
		{`"\\\\"`, `\\`, 0, true},
		{`"\"\\\""`, `"\"`, 0, true},
	}
	for _, tt := range tests {
		v, err := Parse([]byte(tt.in))
		if tt.ok {
			if err != nil || v.Kind != String || v.Text != tt.want {
				t.Errorf("Parse(%q) = %v, %v; want %q", tt.in, v, err, tt.want)
			}
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) || se.reason != tt.err {
			t.Errorf("Parse(%q) error = %v, want reason %d", tt.in, err, tt.err)
		}
	}
}
