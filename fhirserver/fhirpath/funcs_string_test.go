package fhirpath

import "testing"

// TestStringFunctions covers the string functions, counting characters rather than bytes.
func TestStringFunctions(t *testing.T) {
	runCases(t, testPatient, []evalCase{
		{"'abcdefg'.indexOf('bc')", "[1]"}, {"'abcdefg'.indexOf('x')", "[-1]"}, {"'abcdefg'.indexOf('')", "[0]"},
		{"'abcdefg'.substring(3)", "[defg]"}, {"'abcdefg'.substring(1, 2)", "[bc]"}, {"'abcdefg'.substring(6, 2)", "[g]"},
		{"'abcdefg'.substring(7, 1)", "[]"}, {"'abcdefg'.startsWith('abc')", "[true]"}, {"'abcdefg'.endsWith('efg')", "[true]"},
		{"'abc'.contains('b')", "[true]"}, {"'abc'.contains('')", "[true]"}, {"'AbC'.upper()", "[ABC]"}, {"'AbC'.lower()", "[abc]"},
		{"'abcdefg'.replace('cde', '123')", "[ab123fg]"}, {"'abc'.replace('', 'x')", "[xaxbxcx]"},
		{"'N8000123123'.matches('N[0-9]{8}')", "[true]"}, {"'abc'.matches('^b')", "[false]"},
		{"'11/30/1972'.replaceMatches('\\\\b(?<month>\\\\d{1,2})/(?<day>\\\\d{1,2})/(?<year>\\\\d{2,4})\\\\b', '${day}-${month}-${year}')", "[30-11-1972]"},
		{"'abcdefg'.length()", "[7]"}, {"'héllo'.length()", "[5]"}, {"'abc'.toChars()", "[a, b, c]"}, {"' x '.trim()", "[x]"},
		{"'a,b'.split(',')", "[a, b]"}, {"('a' | 'b').join('-')", "[a-b]"}, {"{}.upper()", "[]"},
	})
}
