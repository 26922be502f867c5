package fhirjson

import (
	"unicode/utf8"
)

// Marshal returns the compact JSON text of v. Numbers are written as their
// literal text, members in their order, non-ASCII characters as UTF-8.
func Marshal(v *Value) []byte {
	return AppendJSON(make([]byte, 0, 512), v)
}

// MarshalIndent returns the JSON text of v indented by two spaces per level,
// the form the REST API sends for _pretty=true.
func MarshalIndent(v *Value) []byte {
	return AppendJSONIndent(make([]byte, 0, 1024), v)
}

// AppendJSON appends the compact JSON text of v to dst. A nil v is written
// as null.
func AppendJSON(dst []byte, v *Value) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	switch v.Kind {
	case Null:
		return append(dst, "null"...)
	case Bool:
		if v.Bool {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Number:
		return appendNumber(dst, v.Text)
	case String:
		return AppendString(dst, v.Text)
	case Array:
		dst = append(dst, '[')
		for i, it := range v.Items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, it)
		}
		return append(dst, ']')
	case Object:
		dst = append(dst, '{')
		for i := range v.Members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, v.Members[i].Name)
			dst = append(dst, ':')
			dst = AppendJSON(dst, v.Members[i].Value)
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}

// AppendJSONIndent appends the JSON text of v to dst, indented by two spaces
// per level. Empty arrays and objects stay on one line.
func AppendJSONIndent(dst []byte, v *Value) []byte {
	return appendIndent(dst, v, 0)
}

func appendIndent(dst []byte, v *Value, level int) []byte {
	if v == nil {
		return append(dst, "null"...)
	}
	switch v.Kind {
	case Array:
		if len(v.Items) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for i, it := range v.Items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, level+1)
			dst = appendIndent(dst, it, level+1)
		}
		dst = newline(dst, level)
		return append(dst, ']')
	case Object:
		if len(v.Members) == 0 {
			return append(dst, "{}"...)
		}
		dst = append(dst, '{')
		for i := range v.Members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, level+1)
			dst = AppendString(dst, v.Members[i].Name)
			dst = append(dst, ": "...)
			dst = appendIndent(dst, v.Members[i].Value, level+1)
		}
		dst = newline(dst, level)
		return append(dst, '}')
	}
	return AppendJSON(dst, v)
}

func newline(dst []byte, level int) []byte {
	dst = append(dst, '\n')
	for i := 0; i < level; i++ {
		dst = append(dst, "  "...)
	}
	return dst
}

// appendNumber writes a number's literal. A Value built by hand with an
// empty literal would otherwise produce invalid JSON, so it becomes 0.
func appendNumber(dst []byte, lit string) []byte {
	if lit == "" {
		return append(dst, '0')
	}
	return append(dst, lit...)
}

// needsEscape marks the ASCII bytes a JSON string must escape, and the bytes
// that start a multi-byte sequence (checked so invalid UTF-8 set by hand
// never reaches a client).
var needsEscape = func() (t [256]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	t['"'], t['\\'] = true, true
	for i := 0x80; i < 0x100; i++ {
		t[i] = true
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendString appends s as a quoted JSON string. Quotes, backslashes and
// control characters are escaped; other characters, including non-ASCII
// ones, are written as UTF-8. Invalid UTF-8 becomes U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !needsEscape[c] {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
